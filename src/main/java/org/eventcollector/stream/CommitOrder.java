package org.eventcollector.stream;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;
import org.eventcollector.bus.Addresses;
import org.eventcollector.metrics.CollectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Puts the publications of {@code events.stream} back into commit order for one {@link StreamHub}.
 * Positions ({@code seq} headers) are gapless and in commit order across all storage writers, but
 * the publications of two writers (PostgreSQL) can cross on the way, and a writer that dies
 * between its commit and its publication leaves a position that is never published.
 *
 * <ul>
 *   <li>The position {@code next} is delivered at once, then every held position after it.</li>
 *   <li>A later position is held until the ones before it arrive; when the earliest held one has
 *   waited {@code waitMs}, or {@code maxHeld} are held, the missing positions are read from
 *   storage ({@code events.storage.range}, at most {@value #RANGE} at a time) and delivered in
 *   order. Positions storage does not have (deleted, evicted, never stored) or cannot answer for
 *   are skipped, counted and logged once per gap. With no client the hole is passed over unread.</li>
 *   <li>A position below {@code next} was delivered, read or skipped already: it is dropped.
 *   Position 1 below {@code next} means the store started over (a memory store on a new owner, a
 *   new database), unless this hub passed position 1 itself in the last {@value #RESTART_GUARD_S} s.</li>
 *   <li>The first publication sets the start only after {@code waitMs}: the lowest position seen by
 *   then is the first delivered.</li>
 * </ul>
 *
 * Runs on the event loop of its hub; memory is bounded by {@code maxHeld} frames.
 */
final class CommitOrder {

  /** Where ordered events go. */
  interface Sink {
    void deliver(long seq, Event event);
  }

  /** Positions read from storage at a time ({@code EventStore.RANGE_MAX}). */
  static final int RANGE = 10_000;
  private static final long RESTART_GUARD_S = 60;
  private static final long READ_TIMEOUT_MS = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(CommitOrder.class);

  private record Held(Event event, long arrived) {
  }

  private final Vertx vertx;
  private final long waitNanos;
  private final int maxHeld;
  private final BooleanSupplier wanted;
  private final Sink sink;
  private final TreeMap<Long, Held> held = new TreeMap<>();
  /** The next position to deliver; 0 until the start is set. */
  private long next;
  /** The highest position seen, held or not. */
  private long highest;
  private long timer = -1;
  private boolean reading;
  /** Bumped on a restart, so that a read for the old numbering is ignored. */
  private int epoch;
  /** When this hub last passed position 1 without it being published to it (nanoTime), or 0. */
  private long passedFirstAt;

  /**
   * @param waitMs how long a position may wait for the ones before it
   * @param maxHeld most publications held at once
   * @param wanted whether anyone listens; with nobody, holes are passed over without a storage read
   */
  CommitOrder(Vertx vertx, long waitMs, int maxHeld, BooleanSupplier wanted, Sink sink) {
    this.vertx = vertx;
    this.waitNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMs));
    this.maxHeld = Math.max(1, maxHeld);
    this.wanted = wanted;
    this.sink = sink;
  }

  /** A publication of position {@code seq}. */
  void accept(long seq, Event event) {
    if (seq <= 0) {
      return;
    }
    long now = System.nanoTime();
    if (next == 0) {
      hold(seq, event, now);
      if (held.size() >= maxHeld) {
        start();
      } else if (timer < 0) {
        timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)), t -> {
          timer = -1;
          start();
        });
      }
      return;
    }
    if (seq < next) {
      if (seq == 1 && (passedFirstAt == 0 || now - passedFirstAt > TimeUnit.SECONDS.toNanos(RESTART_GUARD_S))) {
        restart();
        accept(seq, event);
      } else {
        LOG.debug("Dropping position {} of events.stream: already delivered, read or skipped", seq);
      }
      return;
    }
    if (seq == next && !reading) {
      highest = Math.max(highest, seq);
      next++;
      deliver(seq, event);
      drain();
      return;
    }
    if (seq > next) {
      CollectorMetrics.get().streamReordered(1);
    }
    hold(seq, event, now);
    drain();
  }

  /** Publications held now. */
  int held() {
    return held.size();
  }

  /** A failing sink must not stop the positions. */
  private void deliver(long seq, Event event) {
    try {
      sink.deliver(seq, event);
    } catch (RuntimeException e) {
      LOG.error("Delivering position {} of events.stream failed", seq, e);
    }
  }

  private void hold(long seq, Event event, long now) {
    highest = Math.max(highest, seq);
    // Past the bound a publication is not kept: its position becomes a hole, read from storage.
    if (held.size() < maxHeld) {
      held.putIfAbsent(seq, new Held(event, now));
    }
  }

  private void start() {
    if (next != 0) {
      // Started already (the bound was reached first).
      drain();
      return;
    }
    if (held.isEmpty()) {
      return;
    }
    next = held.firstKey();
    if (next > 1) {
      passedFirstAt = System.nanoTime();
    }
    drain();
  }

  /** The store started over: what is held belongs to the old numbering and is delivered as it is. */
  private void restart() {
    LOG.info("Position 1 published again on events.stream after position {}: the store started over", next - 1);
    held.forEach((seq, frame) -> deliver(seq, frame.event()));
    held.clear();
    epoch++;
    reading = false;
    highest = 0;
    passedFirstAt = 0;
    // The new numbering starts at 1, so the start need not wait.
    next = 1;
  }

  private void drain() {
    if (reading || next == 0) {
      return;
    }
    for (Held frame = held.remove(next); frame != null; frame = held.remove(next)) {
      deliver(next++, frame.event());
    }
    if (next > highest) {
      return;
    }
    long now = System.nanoTime();
    long due = held.isEmpty() ? now : held.firstEntry().getValue().arrived() + waitNanos;
    if (held.size() >= maxHeld || due - now <= 0) {
      fill();
    } else if (timer < 0) {
      timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(due - now) + 1), t -> {
        timer = -1;
        drain();
      });
    }
  }

  /** Reads the missing positions from {@code next} up to the first held one (or the highest seen). */
  private void fill() {
    long from = next;
    long to = Math.min(held.isEmpty() ? highest : held.firstKey() - 1, from + RANGE - 1);
    if (!wanted.getAsBoolean()) {
      pass(from, to, Map.of(), false, false);
      return;
    }
    reading = true;
    int readEpoch = epoch;
    JsonObject range = new JsonObject().put("after", from - 1).put("to", to);
    vertx.eventBus().<JsonObject>request(Addresses.STORAGE_RANGE, range, new DeliveryOptions().setSendTimeout(READ_TIMEOUT_MS))
      .onComplete(ar -> {
        if (readEpoch != epoch) {
          return;
        }
        reading = false;
        Map<Long, Event> found = new HashMap<>();
        if (ar.succeeded()) {
          for (Object item : ar.result().body().getJsonArray("events", new JsonArray())) {
            JsonObject event = (JsonObject) item;
            Object seq = event.remove("_seq");
            if (seq instanceof Number number) {
              found.put(number.longValue(), Event.fromJson(event));
            }
          }
        } else {
          LOG.warn("Skipping positions {} to {} of events.stream: storage could not be read: {}", from, to, ar.cause().toString());
        }
        pass(from, to, found, true, ar.succeeded());
      });
  }

  /** Delivers positions {@code from..to} from {@code found} or from what arrived meanwhile; the rest is skipped. */
  private void pass(long from, long to, Map<Long, Event> found, boolean count, boolean read) {
    long filled = 0;
    long skipped = 0;
    for (long seq = from; seq <= to; seq++) {
      Held late = held.remove(seq);
      Event event = late != null ? late.event() : found.get(seq);
      if (event != null) {
        if (late == null) {
          filled++;
        }
        deliver(seq, event);
      } else {
        skipped++;
      }
    }
    next = to + 1;
    if (from == 1) {
      passedFirstAt = System.nanoTime();
    }
    if (count) {
      CollectorMetrics metrics = CollectorMetrics.get();
      metrics.streamGaps(true, filled);
      metrics.streamGaps(false, skipped);
      if (skipped > 0 && read) {
        LOG.warn("Skipped {} of positions {} to {} on events.stream: not in storage (deleted, evicted or never stored)",
          skipped, from, to);
      }
    }
    drain();
  }
}
