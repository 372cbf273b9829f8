package org.eventcollector.stream;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.event.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The fan-out of one HTTP verticle instance: a single consumer of {@code events.stream} hands
 * each stored event to the local WebSocket clients, parsed and encoded once. A slow client only
 * fills its own bounded queue, so it slows neither the others nor the ingest path.
 */
final class StreamHub {

  private static final Logger LOG = LoggerFactory.getLogger(StreamHub.class);

  private final Set<StreamClient> clients = new LinkedHashSet<>();
  private final MessageConsumer<JsonObject> consumer;

  StreamHub(Vertx vertx) {
    consumer = vertx.eventBus().consumer(Addresses.STREAM, this::onEvent);
  }

  void add(StreamClient client) {
    clients.add(client);
  }

  void remove(StreamClient client) {
    clients.remove(client);
    client.close();
  }

  int size() {
    return clients.size();
  }

  MessageConsumer<JsonObject> consumer() {
    return consumer;
  }

  private void onEvent(Message<JsonObject> message) {
    if (clients.isEmpty()) {
      return;
    }
    JsonObject json = message.body();
    long seq;
    Event event;
    try {
      seq = Long.parseLong(message.headers().get("seq"));
      event = Event.fromJson(json);
    } catch (RuntimeException e) {
      LOG.warn("Ignoring a malformed stream publication: {}", e.toString());
      return;
    }
    String text = json.encode();
    for (StreamClient client : clients) {
      client.offer(seq, event, text);
    }
  }
}
