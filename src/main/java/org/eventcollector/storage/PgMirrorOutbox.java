package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.eventcollector.event.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The outbox of the Session-Buddy mirror in a PostgreSQL database that several storage nodes
 * write: each node queues the positions of the events it stores in its commit transaction, and
 * {@code NOTIFY}s the drainer there. Exactly one node drains at a time: the one holding the
 * session-level advisory lock {@link #DRAIN_LOCK} on a connection of its own. The others try to
 * take the lock every {@link #TAKEOVER_MS}; PostgreSQL releases it when the holder's connection
 * ends (the node stops or dies), and the next one to try takes over. The drainer reads, and
 * checkpoints, through that same connection, so a node that has lost the lock cannot write a
 * checkpoint any more. It listens for the commits of every node ({@code PgSubscriber}) and polls
 * every {@link #POLL_MS} as well, should a notification be lost.
 */
final class PgMirrorOutbox implements Outbox, OutboxHook {

  /** Key of the session-level advisory lock held by the node that drains ("ECMIRROR"). */
  static final long DRAIN_LOCK = 0x4543_4D49_5252_4F52L;
  /** The notification channel of commits that queued events. */
  static final String CHANNEL = "ec_mirror_outbox";
  /** How often a node that does not drain tries to take the drain lock. */
  static final long TAKEOVER_MS = 2_000;
  /** How often the drainer looks for new entries without a notification. */
  static final long POLL_MS = 1_000;
  /** How often every node counts the outbox (for the depth it reports; commits of other nodes). */
  static final long COUNT_MS = 5_000;

  private static final Logger LOG = LoggerFactory.getLogger(PgMirrorOutbox.class);

  private final Vertx vertx;
  private final PgEventStore store;
  private final Sql sql = Sql.load("/db/mirror-queries.properties");
  /** Tells this node's notifications from those of the others. */
  private final String node = Long.toHexString(ThreadLocalRandom.current().nextLong());
  private Runnable onCommit = () -> { };
  private Supplier<Future<Void>> lead;
  private Runnable lost;

  /** The lock connection: held by the drainer, tried by the others; null when there is none. */
  private PgConnection conn;
  private boolean leader;
  private boolean trying;
  private long lastAttempt;
  private boolean closed;
  private PgSubscriber subscriber;
  private long timer = -1;

  private long rows;
  /** Bumped by every change to {@link #rows} known here: a count begun before one is stale. */
  private long changes;
  private boolean counting;
  private long lastCount;

  PgMirrorOutbox(Vertx vertx, PgEventStore store) {
    this.vertx = vertx;
    this.store = store;
    store.outbox(this);
  }

  @Override
  public void onCommit(Runnable action) {
    this.onCommit = action;
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public Future<?> enqueue(io.vertx.sqlclient.SqlConnection tx, List<Event> events, long[] seqs) {
    List<Long> stored = new ArrayList<>(seqs.length);
    for (long seq : seqs) {
      if (seq > 0) {
        stored.add(seq);
      }
    }
    return stored.isEmpty() ? Future.succeededFuture()
      : tx.preparedQuery(sql.get("pg.enqueue"))
        .execute(Tuple.of(System.currentTimeMillis(), stored.toArray(new Long[0]), node));
  }

  @Override
  public void committed(int stored) {
    rows += stored;
    changes++;
    onCommit.run();
  }

  @Override
  public Future<Void> lead(Supplier<Future<Void>> lead, Runnable lost) {
    this.lead = lead;
    this.lost = lost;
    timer = vertx.setPeriodic(POLL_MS, t -> tick());
    return attempt();
  }

  private void tick() {
    if (closed) {
      return;
    }
    if (System.currentTimeMillis() - lastCount >= COUNT_MS) {
      count();
    }
    if (leader) {
      onCommit.run();
    } else if (!trying && System.currentTimeMillis() - lastAttempt >= TAKEOVER_MS) {
      attempt();
    }
  }

  /** Tries to take the drain lock; drains when it gets it. Never fails: the next tick tries again. */
  private Future<Void> attempt() {
    trying = true;
    lastAttempt = System.currentTimeMillis();
    Future<PgConnection> connected = conn != null ? Future.succeededFuture(conn)
      : PgConnection.connect(vertx, store.connectOptions()).map(c -> {
        if (closed) {
          c.close();
          throw new IllegalStateException("closed");
        }
        conn = c;
        c.closeHandler(v -> dropped(c));
        return c;
      });
    return connected
      .compose(c -> c.preparedQuery(sql.get("pg.try-lock")).execute(Tuple.of(DRAIN_LOCK)))
      .compose(result -> result.iterator().next().getBoolean(0) && !closed ? drain() : Future.<Void>succeededFuture())
      .recover(e -> {
        if (!closed) {
          LOG.warn("Cannot try the Session-Buddy drain lock: {}", e.getMessage());
        }
        return Future.succeededFuture();
      })
      .onComplete(ar -> trying = false);
  }

  private Future<Void> drain() {
    leader = true;
    LOG.info("This storage node drains the Session-Buddy outbox (it holds the drain lock)");
    PgSubscriber listener = PgSubscriber.subscriber(vertx, store.connectOptions()).reconnectPolicy(retries -> POLL_MS);
    listener.channel(CHANNEL).handler(this::notified);
    subscriber = listener;
    return listener.connect()
      .recover(e -> {
        LOG.warn("Cannot listen for commits of other storage nodes ({}); polling every {} ms", e.getMessage(), POLL_MS);
        return Future.succeededFuture();
      })
      .compose(v -> lead.get())
      .recover(e -> {
        LOG.warn("Cannot resume the Session-Buddy mirror: {}; giving the drain lock back", e.getMessage());
        PgConnection held = conn;
        return held == null ? Future.succeededFuture() : held.close();
      });
  }

  private void notified(String payload) {
    int space = payload == null ? -1 : payload.indexOf(' ');
    if (space > 0 && !payload.substring(0, space).equals(node)) {
      // Another node's commit; this node's own are counted by committed().
      try {
        rows += Long.parseLong(payload.substring(space + 1));
        changes++;
      } catch (NumberFormatException e) {
        count();
      }
    }
    onCommit.run();
  }

  /** The lock connection ended: whatever this node held, PostgreSQL has released it. */
  private void dropped(PgConnection c) {
    if (c != conn) {
      return;
    }
    conn = null;
    if (!leader) {
      return;
    }
    leader = false;
    PgSubscriber listener = subscriber;
    subscriber = null;
    if (listener != null) {
      listener.close();
    }
    if (!closed) {
      LOG.warn("The Session-Buddy drain lock was lost with its connection; another storage node may take over");
      lost.run();
    }
  }

  /** Recounts the rows, at most one count at a time; a count that raced a change is dropped. */
  private void count() {
    if (counting || closed || store.pool() == null) {
      return;
    }
    counting = true;
    lastCount = System.currentTimeMillis();
    long at = changes;
    store.pool().query(sql.get("pg.count")).execute().onComplete(ar -> {
      counting = false;
      if (ar.succeeded() && at == changes) {
        rows = ar.result().iterator().next().getLong(0);
      }
    });
  }

  private Future<PgConnection> held() {
    PgConnection c = conn;
    return leader && c != null ? Future.succeededFuture(c)
      : Future.failedFuture(new IllegalStateException("this node does not hold the Session-Buddy drain lock"));
  }

  @Override
  public Future<Long> load() {
    return held().compose(c -> c.query(sql.get("pg.count")).execute().compose(count -> {
      rows = count.iterator().next().getLong(0);
      changes++;
      return c.query(sql.get("pg.started")).execute();
    })).map(started -> {
      var it = started.iterator();
      return it.hasNext() ? it.next().getLong(0) : 0L;
    });
  }

  @Override
  public Future<List<Entry>> page(long after, int limit) {
    String columns = "e." + PgEventStore.COLUMNS.replace(", ", ", e.");
    String query = sql.get("pg.page").replace("{columns}", columns);
    int enqueuedAt = columns.split(",").length;
    return held().compose(c -> c.preparedQuery(query).execute(Tuple.of(after, (long) limit))).map(result -> {
      List<Entry> entries = new ArrayList<>(result.size());
      for (Row row : result) {
        entries.add(new Entry(row.getLong(enqueuedAt + 1), row.getLong(enqueuedAt),
          row.getValue(0) == null ? null : PgEventStore.toJson(row)));
      }
      return entries;
    });
  }

  @Override
  public Future<Long> oldestAfter(long after) {
    return store.pool().preparedQuery(sql.get("pg.oldest")).execute(Tuple.of(after)).map(result -> {
      var it = result.iterator();
      return it.hasNext() ? it.next().getLong(0) : 0L;
    });
  }

  @Override
  public Future<Map<String, String>> graph(Collection<String> names) {
    // PostgreSQL text cannot hold U+0000: names are kept as the events' filter columns keep them.
    Map<String, List<String>> byStored = new HashMap<>();
    for (String name : names) {
      byStored.computeIfAbsent(PgFilter.text(name), k -> new ArrayList<>()).add(name);
    }
    return held().compose(c -> c.preparedQuery(sql.get("pg.graph"))
      .execute(Tuple.of(byStored.keySet().toArray(new String[0])))).map(result -> {
        Map<String, String> found = new HashMap<>();
        for (Row row : result) {
          String last = row.getString(1);
          byStored.getOrDefault(row.getString(0), List.of()).forEach(name -> found.put(name, last == null ? "" : last));
        }
        return found;
      });
  }

  @Override
  public Future<Void> checkpoint(long done, Map<String, String> graph, long started) {
    return held().compose(c -> c.begin().compose(tx -> {
      Future<Integer> deleted = c.preparedQuery(sql.get("pg.delete-done")).execute(Tuple.of(done))
        .map(RowSet::rowCount);
      Future<?> written = deleted;
      if (!graph.isEmpty()) {
        List<Tuple> updates = new ArrayList<>(graph.size());
        graph.forEach((name, last) -> updates.add(Tuple.of(PgFilter.text(name), last.isEmpty() ? null : PgFilter.text(last))));
        written = written.compose(r -> c.preparedQuery(sql.get("pg.upsert-graph")).executeBatch(updates));
      }
      written = written.compose(r -> c.preparedQuery(sql.get("pg.set-started")).execute(Tuple.of(started)));
      return written.compose(r -> tx.commit()).compose(v -> deleted)
        .recover(e -> tx.rollback().transform(ignored -> Future.<Integer>failedFuture(e)));
    })).map(deleted -> {
      rows -= deleted;
      changes++;
      return null;
    });
  }

  @Override
  public Future<Void> close() {
    closed = true;
    leader = false;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    PgSubscriber listener = subscriber;
    subscriber = null;
    PgConnection c = conn;
    conn = null;
    Future<Void> unsubscribed = listener == null ? Future.succeededFuture() : listener.close();
    return unsubscribed.eventually(() -> c == null ? Future.succeededFuture() : c.close())
      .recover(e -> Future.succeededFuture());
  }
}
