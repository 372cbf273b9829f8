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
 * The fan-out of one HTTP verticle instance: a single consumer of {@code events.stream} puts the
 * publications in commit order ({@link CommitOrder}) and hands each stored event to the local
 * WebSocket clients, parsed and encoded once. A slow client only fills its own bounded queue, so it
 * slows neither the others nor the ingest path. Positions are tracked with or without clients.
 */
final class StreamHub {

  private static final Logger LOG = LoggerFactory.getLogger(StreamHub.class);

  private final Set<StreamClient> clients = new LinkedHashSet<>();
  private final MessageConsumer<JsonObject> consumer;
  private final CommitOrder order;

  /**
   * @param reorderMs how long a position waits for lower ones before they are read from storage
   * @param maxHeld most publications held out of order
   */
  StreamHub(Vertx vertx, long reorderMs, int maxHeld) {
    order = new CommitOrder(vertx, reorderMs, maxHeld, () -> !clients.isEmpty(), this::deliver);
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
    long seq;
    try {
      seq = Long.parseLong(message.headers().get("seq"));
    } catch (RuntimeException e) {
      LOG.warn("Ignoring a stream publication without a valid seq header: {}", e.toString());
      return;
    }
    order.accept(seq, message.body());
  }

  private void deliver(long seq, JsonObject json) {
    if (clients.isEmpty()) {
      return;
    }
    Event event;
    try {
      event = Event.fromJson(json);
    } catch (RuntimeException e) {
      LOG.warn("Ignoring a malformed stream publication at position {}: {}", seq, e.toString());
      return;
    }
    String text = json.encode();
    for (StreamClient client : clients) {
      client.offer(seq, event, text);
    }
  }
}
