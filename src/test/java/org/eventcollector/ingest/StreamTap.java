package org.eventcollector.ingest;

import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket client of {@code /events/stream} that keeps every event it receives. */
final class StreamTap implements AutoCloseable {

  private final WebSocketClient client;
  private final WebSocket socket;
  private final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();

  StreamTap(TestCollector collector, String query) {
    client = collector.vertx().createWebSocketClient(new WebSocketClientOptions());
    socket = TestCollector.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(collector.port()).setURI("/events/stream" + query)));
    socket.textMessageHandler(text -> events.add(new JsonObject(text)));
  }

  /** The next {@code count} events, waiting up to 20 s for each. */
  List<JsonObject> take(int count) throws InterruptedException {
    List<JsonObject> taken = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonObject event = events.poll(20, TimeUnit.SECONDS);
      if (event == null) {
        throw new AssertionError("only " + taken.size() + " of " + count + " events arrived on the stream: " + taken);
      }
      taken.add(event);
    }
    return taken;
  }

  @Override
  public void close() {
    TestCollector.await(socket.close());
    TestCollector.await(client.close());
  }
}
