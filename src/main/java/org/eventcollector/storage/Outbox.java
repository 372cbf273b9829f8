package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The durable outbox that {@link SessionBuddyMirror} drains: the positions of stored events not yet
 * mirrored, the graph entities made once, and the mirror's progress. {@link MirrorOutbox} keeps it
 * in the SQLite file, {@link PgMirrorOutbox} in the PostgreSQL database that several storage nodes
 * share.
 */
interface Outbox {

  /** One pending event: its commit position, when it was committed, its wire JSON (null once deleted). */
  record Entry(long seq, long enqueuedAt, JsonObject event) {
  }

  /** Runs {@code action} after each commit that queued events (and, when shared, when another node did). */
  void onCommit(Runnable action);

  /** Rows in the outbox (committed, not yet removed by a checkpoint). */
  long rows();

  /** Counts the rows and reads the progress mark: the answer is the highest position possibly begun. */
  Future<Long> load();

  /** Up to {@code limit} entries after position {@code after}, in commit order. */
  Future<List<Entry>> page(long after, int limit);

  /** When the first entry after {@code after} was committed (epoch ms), or 0 when there is none. */
  Future<Long> oldestAfter(long after);

  /** The known graph entities among {@code names}: name to its last event id ("" for none). */
  Future<Map<String, String>> graph(Collection<String> names);

  /**
   * In one transaction: removes the entries up to {@code done}, records the graph entities made
   * since the last checkpoint, and raises the progress mark to {@code started}.
   */
  Future<Void> checkpoint(long done, Map<String, String> graph, long started);

  /**
   * Lets this node drain: calls {@code lead} once this node is the one that drains (at once when no
   * other node shares the outbox), and {@code lost} when it stops being it; the answer is complete
   * once the first attempt is over.
   */
  default Future<Void> lead(Supplier<Future<Void>> lead, Runnable lost) {
    return lead.get();
  }

  /** True when several storage nodes share this outbox (and only one of them drains). */
  default boolean shared() {
    return false;
  }

  /** Gives up draining and releases what {@link #lead} holds. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
