package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Failure;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventBatch;
import org.eventcollector.event.StoreResult;
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

  /** Receives the events of each commit that were stored (not duplicates), with their positions. */
  interface Publisher {
    void publish(EventBatch committed);
  }

  /** A write waiting for its commit; {@code json} when it came as JSON and is answered so. */
  private record Write(Message<?> message, List<Event> events, boolean json) {
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

  void accept(Message<Object> message) {
    List<Event> events;
    boolean json = !(message.body() instanceof EventBatch);
    if (json) {
      events = fromJson(message);
      if (events == null) {
        return;
      }
    } else {
      events = ((EventBatch) message.body()).events();
    }
    if (events.isEmpty()) {
      message.fail(Failure.BAD_REQUEST, "events is required");
      return;
    }
    if (drained != null) {
      message.fail(Failure.UNAVAILABLE, "storage unavailable: shutting down");
      return;
    }
    if (pendingEvents + events.size() > maxPending) {
      metrics.storageOverloaded(events.size());
      message.fail(Failure.UNAVAILABLE, "storage unavailable: too many pending writes, retry later");
      return;
    }
    queue.add(new Write(message, events, json));
    pendingEvents += events.size();
    next();
  }

  /** The events of a JSON write {@code {events: [...]}}, or null once the message is failed. */
  private static List<Event> fromJson(Message<Object> message) {
    Object value = message.body() instanceof JsonObject body ? body.getValue("events") : null;
    if (!(value instanceof JsonArray array)) {
      message.fail(Failure.BAD_REQUEST, "events is required");
      return null;
    }
    List<Event> events = new ArrayList<>(array.size());
    try {
      for (Object item : array) {
        events.add(Event.fromJson((JsonObject) item));
      }
    } catch (RuntimeException e) {
      message.fail(Failure.BAD_REQUEST, "events must be validated event objects");
      return null;
    }
    return events;
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
        answer(batch, events, ar.result());
      } else {
        LOG.error("Commit of {} events failed", events.size(), ar.cause());
        for (Write write : batch) {
          write.message().fail(Failure.UNAVAILABLE, "storage unavailable: commit failed");
        }
      }
      next();
    });
  }

  private void answer(List<Write> batch, List<Event> events, long[] seqs) {
    int index = 0;
    for (Write write : batch) {
      int size = write.events().size();
      long[] own = java.util.Arrays.copyOfRange(seqs, index, index + size);
      index += size;
      if (write.json()) {
        JsonArray results = new JsonArray();
        for (long seq : own) {
          results.add(seq > 0 ? "collected" : "duplicate");
        }
        write.message().reply(new JsonObject().put("results", results));
      } else {
        write.message().reply(new StoreResult(own));
      }
    }
    int stored = 0;
    for (long seq : seqs) {
      if (seq > 0) {
        stored++;
      }
    }
    if (stored == 0) {
      return;
    }
    List<Event> committed = stored == seqs.length ? events : new ArrayList<>(stored);
    long[] positions = stored == seqs.length ? seqs : new long[stored];
    java.util.Map<String, Integer> perSystem = new java.util.HashMap<>();
    for (int i = 0, k = 0; i < seqs.length; i++) {
      if (seqs[i] > 0) {
        perSystem.merge(events.get(i).sourceSystem(), 1, Integer::sum);
        if (committed != events) {
          committed.add(events.get(i));
          positions[k++] = seqs[i];
        }
      }
    }
    perSystem.forEach(metrics::stored);
    processed += stored;
    publisher.publish(new EventBatch(committed, positions));
  }

  /** Completes once every accepted write is committed; later writes are refused. */
  Future<Void> drainAll() {
    drained = Promise.promise();
    next();
    return drained.future();
  }
}
