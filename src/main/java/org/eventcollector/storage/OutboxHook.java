package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import org.eventcollector.event.Event;

import java.util.List;

/** Writes rows of its own in the transaction that stores events (the Session-Buddy outbox). */
interface OutboxHook {

  /** Called inside the insert transaction, after the rows, with the events and their positions (-1: not stored). */
  default Future<?> enqueue(SqlConnection conn, List<Event> events, long[] seqs) {
    return Future.failedFuture(new UnsupportedOperationException("this outbox is written through JDBC"));
  }

  /** The same for a store that commits on a plain JDBC connection (SQLite's writer thread). */
  default void enqueue(java.sql.Connection conn, long[] seqs) throws java.sql.SQLException {
    throw new UnsupportedOperationException("this outbox is written through the Vert.x SQL client");
  }

  /** Called once that transaction has committed {@code stored} new events. */
  void committed(int stored);
}
