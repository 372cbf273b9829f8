package org.eventcollector.stream;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A SockJS client over its WebSocket transport ({@code /eventbus/<server>/<session>/websocket}):
 * frames {@code o} (open), {@code h} (heartbeat), {@code a[...]} (messages), {@code c[...]} (close),
 * carrying the Vert.x event-bus bridge protocol ({@code register}, {@code send}, {@code rec}, {@code err}).
 */
final class SockJsSession {

  private WebSocket socket;
  private final List<JsonObject> received = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Promise<Void> opened = Promise.promise();

  private record Waiter(Predicate<JsonObject> condition, Promise<JsonObject> promise) {
  }

  private SockJsSession() {
  }

  /** Opens a session at {@code /eventbus/...} with an optional query string such as {@code ?api_key=...}. */
  static Future<SockJsSession> open(TestNode node, Vertx vertx, String query) {
    String session = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    SockJsSession client = new SockJsSession();
    return node.connect(vertx, "/eventbus/" + (int) (Math.random() * 1000) + "/" + session + "/websocket" + query, client::onFrame)
      .compose(ws -> {
        client.socket = ws;
        return client.opened.future().map(client);
      });
  }

  private synchronized void onFrame(String frame) {
    if (frame.startsWith("o")) {
      opened.tryComplete();
      return;
    }
    if (!frame.startsWith("a")) {
      return;
    }
    for (Object item : new JsonArray(frame.substring(1))) {
      JsonObject message = new JsonObject((String) item);
      received.add(message);
      for (Waiter waiter : List.copyOf(waiters)) {
        if (waiter.condition().test(message)) {
          waiters.remove(waiter);
          waiter.promise().complete(message);
        }
      }
    }
  }

  /** The first message (already received or to come) that satisfies {@code condition}. */
  synchronized Future<JsonObject> await(Predicate<JsonObject> condition) {
    for (JsonObject message : received) {
      if (condition.test(message)) {
        return Future.succeededFuture(message);
      }
    }
    Promise<JsonObject> promise = Promise.promise();
    waiters.add(new Waiter(condition, promise));
    return promise.future();
  }

  synchronized List<JsonObject> received() {
    return List.copyOf(received);
  }

  Future<Void> send(JsonObject message) {
    return socket.writeTextMessage(new JsonArray().add(message.encode()).encode());
  }

  Future<Void> register(String address) {
    return send(new JsonObject().put("type", "register").put("address", address));
  }

  Future<Void> close() {
    return socket.close();
  }
}
