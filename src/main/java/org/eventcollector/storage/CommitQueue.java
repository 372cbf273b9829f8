package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Failure;
import org.eventcollector.event.Event;
import org.eventcollector.metrics.CollectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Group commit: writes that arrive while a commit runs wait here, bounded, and go together in the
 * next transaction. Each write is answered only after the commit that holds it.
 */
final class CommitQueue {

  interface Publisher {
    void publish(JsonObject event, long seq);
  }

  private record Write(Message<JsonObject> message, JsonArray json, List<Event> events) {
  }

  private static final Logger LOG = LoggerFactory.getLogger(CommitQueue.class);

  private final EventStore store;
  private final CollectorMetrics metrics;
  private final int maxPending;
  private final int maxCommit;
  private final Publisher publisher;
  private final ArrayDeque<Write> queue = new ArrayDeque<>();
  private int pendingEvents;
  private boolean committing;
  private long processed;
  private Promise<Void> drained;

  CommitQueue(EventStore store, CollectorMetrics metrics, int maxPending, int maxCommit, Publisher publisher) {
    this.store = store;
    this.metrics = metrics;
    this.maxPending = maxPending;
    this.maxCommit = maxCommit;
    this.publisher = publisher;
  }

  long processed() {
    return processed;
  }

  int pending() {
    return pendingEvents;
  }

  void accept(Message<JsonObject> message) {
    JsonArray json = message.body() == null ? null : message.body().getJsonArray("events");
    if (json == null || json.isEmpty()) {
      message.fail(Failure.BAD_REQUEST, "events is required");
      return;
    }
    if (drained != null) {
      message.fail(Failure.UNAVAILABLE, "storage unavailable: shutting down");
      return;
    }
    if (pendingEvents + json.size() > maxPending) {
      metrics.storageOverloaded(json.size());
      message.fail(Failure.UNAVAILABLE, "storage unavailable: too many pending writes, retry later");
      return;
    }
    List<Event> events = new ArrayList<>(json.size());
    try {
      for (Object item : json) {
        events.add(StorageVerticle.toEvent(item));
      }
    } catch (RuntimeException e) {
      message.fail(Failure.BAD_REQUEST, "events must be validated event objects");
      return;
    }
    queue.add(new Write(message, json, events));
    pendingEvents += events.size();
    next();
  }

  private void next() {
    if (committing) {
      return;
    }
    if (queue.isEmpty()) {
      if (drained != null) {
        drained.tryComplete();
      }
      return;
    }
    List<Write> batch = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    while (!queue.isEmpty() && (batch.isEmpty() || events.size() + queue.peek().events().size() <= maxCommit)) {
      Write write = queue.poll();
      batch.add(write);
      events.addAll(write.events());
    }
    committing = true;
    store.insert(events).onComplete(ar -> {
      committing = false;
      pendingEvents -= events.size();
      if (ar.succeeded()) {
        metrics.commit(events.size());
        answer(batch, ar.result());
      } else {
        LOG.error("Commit of {} events failed", events.size(), ar.cause());
        for (Write write : batch) {
          write.message().fail(Failure.UNAVAILABLE, "storage unavailable: commit failed");
        }
      }
      next();
    });
  }

  private void answer(List<Write> batch, long[] seqs) {
    int index = 0;
    for (Write write : batch) {
      JsonArray results = new JsonArray();
      for (int i = 0; i < write.events().size(); i++, index++) {
        long seq = seqs[index];
        results.add(seq > 0 ? "collected" : "duplicate");
      }
      write.message().reply(new JsonObject().put("results", results));
    }
    index = 0;
    for (Write write : batch) {
      for (int i = 0; i < write.events().size(); i++, index++) {
        long seq = seqs[index];
        if (seq > 0) {
          processed++;
          metrics.stored(write.events().get(i).sourceSystem(), 1);
          publisher.publish(write.json().getJsonObject(i), seq);
        }
      }
    }
  }

  /** Completes once every accepted write is committed; later writes are refused. */
  Future<Void> drainAll() {
    drained = Promise.promise();
    next();
    return drained.future();
  }
}
