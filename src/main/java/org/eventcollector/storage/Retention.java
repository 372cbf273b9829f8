package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;

import java.util.LinkedHashMap;
import java.util.Map;

/** Deletes old events in bounded chunks, yielding to the event loop between chunks. */
final class Retention {

  private Retention() {
  }

  static Future<Integer> deleteAll(Vertx vertx, EventStore store, long before, int chunk) {
    return step(vertx, store, before, chunk, 0);
  }

  private static Future<Integer> step(Vertx vertx, EventStore store, long before, int chunk, int total) {
    return store.deleteBefore(before, chunk).compose(n -> n < chunk
      ? Future.succeededFuture(total + n)
      : step(vertx, store, before, chunk, total + n));
  }

  /** Deletes every event of {@code system} older than {@code before}, chunk by chunk. */
  static Future<Integer> deleteAll(EventStore store, String system, long before, int chunk) {
    return store.deleteBefore(before, chunk, system).compose(n -> n < chunk
      ? Future.succeededFuture(n)
      : deleteAll(store, system, before, chunk).map(rest -> n + rest));
  }

  /**
   * The retention of each system when some system has its own ({@code retention.systems.<system>.days},
   * overriding {@code retention.days}, also when that is off); empty when none has. 0 keeps all.
   */
  static Map<String, Long> perSystem(JsonObject conf, long days) {
    Map<String, Long> bySystem = new LinkedHashMap<>();
    boolean any = false;
    for (String system : Config.strings(conf.getValue(ConfigKeys.SYSTEMS))) {
      String key = ConfigKeys.Retention.SYSTEMS + "." + system + ".days";
      any |= Config.get(conf, key) != null;
      bySystem.put(system, Config.number(conf, key, days));
    }
    return any ? bySystem : Map.of();
  }

  /**
   * Events per delete transaction: each costs about 0.1 ms per event (indexes, tags, full-text
   * entries), so a chunk holds the single writer for tens of milliseconds and commits run between.
   */
  static final int CHUNK = 1_000;

  /** The scheduled cleanup of {@code retention.days}; a run never overlaps the previous one. */
  static final class Schedule {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Retention.class);

    private final Vertx vertx;
    private final EventStore store;
    private final long days;
    private final org.eventcollector.metrics.CollectorMetrics metrics;
    private boolean running;

    private final Map<String, Long> systems;

    Schedule(Vertx vertx, EventStore store, long days, org.eventcollector.metrics.CollectorMetrics metrics) {
      this(vertx, store, days, Map.of(), metrics);
    }

    /** With {@code systems} not empty, each system is kept for its own days (0: all kept) instead of {@code days}. */
    Schedule(Vertx vertx, EventStore store, long days, Map<String, Long> systems,
             org.eventcollector.metrics.CollectorMetrics metrics) {
      this.vertx = vertx;
      this.store = store;
      this.days = days;
      this.systems = systems;
      this.metrics = metrics;
    }

    /** True when this schedule deletes anything at all. */
    boolean active() {
      return systems.isEmpty() ? days > 0 : systems.values().stream().anyMatch(d -> d > 0);
    }

    Future<Integer> run() {
      if (running) {
        return Future.succeededFuture(0);
      }
      running = true;
      long now = System.currentTimeMillis();
      Future<Integer> deleted;
      if (systems.isEmpty()) {
        deleted = deleteAll(vertx, store, now - days * 86_400_000L, CHUNK);
      } else {
        deleted = Future.succeededFuture(0);
        for (Map.Entry<String, Long> system : systems.entrySet()) {
          if (system.getValue() > 0) {
            deleted = deleted.compose(sum -> deleteAll(store, system.getKey(), now - system.getValue() * 86_400_000L, CHUNK)
              .map(n -> sum + n));
          }
        }
      }
      return deleted
        .onSuccess(n -> {
          metrics.retentionDeleted(n);
          if (n > 0) {
            LOG.info("Retention deleted {} events ({})", n, systems.isEmpty() ? "older than " + days + " days"
              : "per system: " + systems);
          }
        })
        .onFailure(e -> LOG.warn("Retention run failed: {}", e.getMessage()))
        .onComplete(ar -> running = false);
    }
  }
}
