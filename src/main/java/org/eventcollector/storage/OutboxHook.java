package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import org.eventcollector.event.Event;

import java.util.List;

/** Writes rows of its own in the transaction that stores events (the Session-Buddy outbox). */
interface OutboxHook {

  /** Called inside the insert transaction, after the rows, with the events and their positions (-1: not stored). */
  Future<?> enqueue(SqlConnection conn, List<Event> events, long[] seqs);

  /** Called once that transaction has committed {@code stored} new events. */
  void committed(int stored);
}
