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
}
