package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable outbox of the Session-Buddy mirror in the SQLite file: filled in the transaction that
 * stores the events (their positions; the events themselves are read from {@code events}), emptied
 * by {@link SessionBuddyMirror} once they are mirrored. It also keeps the
 * graph entities made once (systems, correlations with their last event) and the mirror's progress.
 */
final class MirrorOutbox implements OutboxHook, Outbox {

  private static final int IN_CHUNK = 500;
  private final SqliteEventStore store;
  private final Sql sql = Sql.load("/db/mirror-queries.properties");
  private Runnable onCommit = () -> { };
  private long rows;

  MirrorOutbox(SqliteEventStore store) {
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
  public void enqueue(java.sql.Connection conn, long[] seqs) throws java.sql.SQLException {
    long first = Long.MAX_VALUE;
    long last = -1;
    for (long seq : seqs) {
      if (seq > 0) {
        first = Math.min(first, seq);
        last = Math.max(last, seq);
      }
    }
    if (last < 0) {
      return;
    }
    try (java.sql.PreparedStatement enqueue = conn.prepareStatement(sql.get("enqueue"))) {
      enqueue.setLong(1, System.currentTimeMillis());
      enqueue.setLong(2, first);
      enqueue.setLong(3, last);
      enqueue.executeUpdate();
    }
  }

  @Override
  public void committed(int stored) {
    rows += stored;
    onCommit.run();
  }

  @Override
  public Future<Long> load() {
    return store.reader().query(sql.get("count")).execute().compose(count -> {
      rows = count.iterator().next().getLong(0);
      return store.reader().query(sql.get("started")).execute();
    }).map(started -> {
      var it = started.iterator();
      return it.hasNext() ? it.next().getLong(0) : 0L;
    });
  }

  @Override
  public Future<List<Entry>> page(long after, int limit) {
    return store.reader().preparedQuery(sql.get("page")).execute(Tuple.of(after, limit)).map(result -> {
      List<Entry> entries = new ArrayList<>(result.size());
      for (Row row : result) {
        JsonObject event = row.getValue(0) == null ? null : SqliteEventStore.toJson(row);
        entries.add(new Entry(row.getLong(15), row.getLong(14), event));
      }
      return entries;
    });
  }

  @Override
  public Future<Long> oldestAfter(long after) {
    return store.reader().preparedQuery(sql.get("oldest")).execute(Tuple.of(after)).map(result -> {
      var it = result.iterator();
      return it.hasNext() ? it.next().getLong(0) : 0L;
    });
  }

  @Override
  public Future<Map<String, String>> graph(Collection<String> names) {
    List<String> all = new ArrayList<>(names);
    Future<Map<String, String>> found = Future.succeededFuture(new HashMap<>());
    for (int from = 0; from < all.size(); from += IN_CHUNK) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + IN_CHUNK));
      String query = "SELECT name, last_event_id FROM mirror_graph WHERE name IN (" + SqlFilter.marks(chunk.size()) + ")";
      Tuple params = Tuple.tuple();
      chunk.forEach(params::addString);
      found = found.compose(map -> store.reader().preparedQuery(query).execute(params).map(result -> {
        for (Row row : result) {
          String last = row.getString(1);
          map.put(row.getString(0), last == null ? "" : last);
        }
        return map;
      }));
    }
    return found;
  }

  @Override
  public Future<Void> checkpoint(long done, Map<String, String> graph, long started) {
    return store.write(conn -> {
      int deleted;
      try (java.sql.PreparedStatement delete = conn.prepareStatement(sql.get("delete-done"))) {
        delete.setLong(1, done);
        deleted = delete.executeUpdate();
      }
      if (!graph.isEmpty()) {
        try (java.sql.PreparedStatement upsert = conn.prepareStatement(sql.get("upsert-graph"))) {
          for (Map.Entry<String, String> entity : graph.entrySet()) {
            upsert.setString(1, entity.getKey());
            upsert.setString(2, entity.getValue().isEmpty() ? null : entity.getValue());
            upsert.addBatch();
          }
          upsert.executeBatch();
        }
      }
      try (java.sql.PreparedStatement set = conn.prepareStatement(sql.get("set-started"))) {
        set.setLong(1, started);
        set.executeUpdate();
      }
      return deleted;
    }).map(deleted -> {
      rows -= deleted;
      return null;
    });
  }
}
