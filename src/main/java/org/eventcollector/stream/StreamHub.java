package org.eventcollector.stream;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.eventcollector.bus.Addresses;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventBatch;
import org.eventcollector.event.EventCodecs;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The fan-out of one HTTP verticle instance: a single consumer of {@code events.storage.committed}
 * (one message per commit, the event objects themselves on this node) puts the events in commit
 * order ({@link CommitOrder}) and hands each one, with its JSON text written once, to the local
 * WebSocket clients. A slow client only fills its own bounded queue, so it slows neither the others
 * nor the ingest path. Positions are tracked with or without clients.
 */
final class StreamHub {

  /** Most frames one event-loop task writes; the rest follow in the next task, so ingest is never held up. */
  static final int SLICE = 1_000;

  private final Vertx vertx;
  private final Set<StreamClient> clients = new LinkedHashSet<>();
  /** Clients with frames to write, each once, in the order they got them. */
  private final Set<StreamClient> waiting = new LinkedHashSet<>();
  private final MessageConsumer<EventBatch> consumer;
  private final CommitOrder order;
  private boolean scheduled;

  /**
   * @param reorderMs how long a position waits for lower ones before they are read from storage
   * @param maxHeld most publications held out of order
   */
  StreamHub(Vertx vertx, long reorderMs, int maxHeld) {
    this.vertx = vertx;
    EventCodecs.register(vertx.eventBus());
    order = new CommitOrder(vertx, reorderMs, maxHeld, () -> !clients.isEmpty(), this::deliver);
    consumer = vertx.eventBus().consumer(Addresses.STORAGE_COMMITTED, this::onCommit);
  }

  void add(StreamClient client) {
    clients.add(client);
  }

  void remove(StreamClient client) {
    clients.remove(client);
    waiting.remove(client);
    client.close();
  }

  /** {@code client} can be written to (opened, or its socket drained): queue it for the next slice. */
  void wake(StreamClient client) {
    if (clients.contains(client)) {
      waiting.add(client);
      schedule();
    }
  }

  int size() {
    return clients.size();
  }

  MessageConsumer<EventBatch> consumer() {
    return consumer;
  }

  private void onCommit(Message<EventBatch> message) {
    EventBatch batch = message.body();
    for (int i = 0; i < batch.size(); i++) {
      order.accept(batch.seq(i), batch.events().get(i));
    }
  }

  private void deliver(long seq, Event event) {
    if (clients.isEmpty()) {
      return;
    }
    String text = event.json();
    for (StreamClient client : clients) {
      if (client.offer(seq, event, text)) {
        waiting.add(client);
      }
    }
    schedule();
  }

  private void schedule() {
    if (!scheduled && !waiting.isEmpty()) {
      scheduled = true;
      vertx.runOnContext(v -> writeSlice());
    }
  }

  /**
   * Writes at most {@link #SLICE} frames, a client at a time in turn; a client whose socket is full
   * leaves the turn until its drain handler wakes it. Reschedules itself while frames are waiting.
   */
  private void writeSlice() {
    scheduled = false;
    int budget = SLICE;
    java.util.Iterator<StreamClient> turn = waiting.iterator();
    while (budget > 0 && turn.hasNext()) {
      StreamClient client = turn.next();
      turn.remove();
      budget -= client.pump(Math.min(budget, 64));
      if (client.ready()) {
        waiting.add(client);
        turn = waiting.iterator();
      }
    }
    schedule();
  }
}
