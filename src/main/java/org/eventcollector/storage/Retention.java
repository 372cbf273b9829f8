package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

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

    Schedule(Vertx vertx, EventStore store, long days, org.eventcollector.metrics.CollectorMetrics metrics) {
      this.vertx = vertx;
      this.store = store;
      this.days = days;
      this.metrics = metrics;
    }

    Future<Integer> run() {
      if (running) {
        return Future.succeededFuture(0);
      }
      running = true;
      long before = System.currentTimeMillis() - days * 86_400_000L;
      return deleteAll(vertx, store, before, CHUNK)
        .onSuccess(n -> {
          metrics.retentionDeleted(n);
          if (n > 0) {
            LOG.info("Retention deleted {} events older than {} days", n, days);
          }
        })
        .onFailure(e -> LOG.warn("Retention run failed: {}", e.getMessage()))
        .onComplete(ar -> running = false);
    }
  }
}
