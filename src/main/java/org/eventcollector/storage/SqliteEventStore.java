package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventQuery;
import org.eventcollector.event.Severity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SQLite through vertx-jdbc-client: one writer connection (commits are grouped by the caller),
 * a small pool of readers (WAL lets them read while the writer commits).
 */
final class SqliteEventStore implements EventStore {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteEventStore.class);
  private static final String COLUMNS = "seq, event_id, ts, source_system, event_type, severity, title, description, "
    + "correlation_id, source_component, duration_ms, data, tags, metadata";
  private static final int IN_CHUNK = 500;

  private final Vertx vertx;
  private final Path path;
  private final boolean fullSync;
  private final int cacheMb;
  private final int mmapMb;
  private final int readers;
  private final Sql sql = Sql.load();
  private Pool writer;
  private Pool reader;
  private long nextSeq;
  private long totalEvents;
  private volatile FileLock fileLock;
  /** The error of the last commit when it failed (disk full, I/O error); null once a commit succeeds. */
  private volatile String lastWriteError;
  private OutboxHook outbox;

  SqliteEventStore(Vertx vertx, Path path, boolean fullSync, int cacheMb, int mmapMb, int readers) {
    this.vertx = vertx;
    this.path = path;
    this.fullSync = fullSync;
    this.cacheMb = cacheMb;
    this.mmapMb = mmapMb;
    this.readers = readers;
  }

  /** Writes rows of its own in the transaction that stores events (the Session-Buddy outbox). */
  interface OutboxHook {

    /** Called inside the insert transaction with the events and their positions (-1: not stored). */
    Future<?> enqueue(SqlConnection conn, List<Event> events, long[] seqs);

    /** Called once that transaction has committed {@code stored} new events. */
    void committed(int stored);
  }

  void outbox(OutboxHook hook) {
    this.outbox = hook;
  }

  Pool writer() {
    return writer;
  }

  Pool reader() {
    return reader;
  }

  @Override
  public Future<Void> open() {
    return vertx.executeBlocking(() -> {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      fileLock = FileLock.acquire(path);
      try {
        SchemaMigrator.migrate(dataSource(false));
      } catch (java.sql.SQLException e) {
        throw unusable(e);
      }
      return null;
    }).compose(v -> {
      writer = JDBCPool.pool(vertx, dataSource(false), new PoolOptions().setMaxSize(1).setName("sqlite-writer-" + path));
      reader = JDBCPool.pool(vertx, dataSource(true), new PoolOptions().setMaxSize(readers).setName("sqlite-reader-" + path));
      return writer.query(sql.get("max-seq")).execute();
    }).compose(rows -> {
      nextSeq = rows.iterator().next().getLong(0) + 1;
      return writer.query(sql.get("count-all")).execute();
    }).map(rows -> {
      totalEvents = rows.iterator().next().getLong(0);
      LOG.info("SQLite store open at {} ({} events)", path.toAbsolutePath(), totalEvents);
      return (Void) null;
    }).recover(e -> close().transform(closed -> Future.failedFuture(
      e instanceof IllegalStateException ? e : unusable(e))));
  }

  /** A start-up failure that names the file and says it was left as it is. */
  private IllegalStateException unusable(Throwable e) {
    return new IllegalStateException("cannot open database " + path.toAbsolutePath() + ": " + e.getMessage()
      + " (the file is corrupt or not an SQLite database of this collector; it is left untouched, move it away"
      + " to start with an empty database)", e);
  }

  SQLiteDataSource dataSource(boolean readOnly) {
    SQLiteConfig config = new SQLiteConfig();
    if (!readOnly) {
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    }
    config.setSynchronous(fullSync ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
    config.setCacheSize(-cacheMb * 1024);
    config.setTempStore(SQLiteConfig.TempStore.MEMORY);
    config.setBusyTimeout(10_000);
    config.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, String.valueOf((long) mmapMb * 1024 * 1024));
    if (readOnly) {
      config.setReadOnly(true);
    }
    SQLiteDataSource dataSource = new SQLiteDataSource(config);
    dataSource.setUrl("jdbc:sqlite:" + path.toAbsolutePath());
    return dataSource;
  }

  @Override
  public Future<long[]> insert(List<Event> events) {
    return writer.withTransaction(conn -> existing(conn, events).compose(known -> {
      long[] seqs = new long[events.size()];
      Set<String> seen = new HashSet<>(known);
      List<Tuple> rows = new ArrayList<>(events.size());
      List<Tuple> tags = new ArrayList<>();
      long seq = nextSeq;
      for (int i = 0; i < events.size(); i++) {
        Event e = events.get(i);
        if (!seen.add(e.eventId())) {
          seqs[i] = -1;
          continue;
        }
        seqs[i] = seq;
        rows.add(Tuple.from(new Object[] {seq, e.eventId(), e.timestamp(), e.sourceSystem(), e.eventType(),
          e.severity().rank(), e.title(), e.description(), e.correlationId(), e.sourceComponent(), e.durationMs(),
          e.data().encode(), new JsonArray(e.tags()).encode(), e.metadata().encode()}));
        for (String tag : new HashSet<>(e.tags())) {
          tags.add(Tuple.of(tag, seq));
        }
        seq++;
      }
      if (rows.isEmpty()) {
        return Future.succeededFuture(seqs);
      }
      long last = seq;
      Future<?> written = conn.preparedQuery(sql.get("insert-event")).executeBatch(rows);
      if (!tags.isEmpty()) {
        written = written.compose(r -> conn.preparedQuery(sql.get("insert-tag")).executeBatch(tags));
      }
      if (outbox != null) {
        written = written.compose(r -> outbox.enqueue(conn, events, seqs));
      }
      return written.map(r -> {
        nextSeq = last;
        return seqs;
      });
    })).onSuccess(seqs -> {
      lastWriteError = null;
      int stored = 0;
      for (long s : seqs) {
        if (s > 0) {
          totalEvents++;
          stored++;
        }
      }
      if (outbox != null && stored > 0) {
        outbox.committed(stored);
      }
    }).onFailure(e -> lastWriteError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }

  private Future<Set<String>> existing(SqlConnection conn, List<Event> events) {
    Future<Set<String>> found = Future.succeededFuture(new HashSet<>());
    for (int from = 0; from < events.size(); from += IN_CHUNK) {
      List<Event> chunk = events.subList(from, Math.min(events.size(), from + IN_CHUNK));
      String query = "SELECT event_id FROM events WHERE event_id IN (" + SqlFilter.marks(chunk.size()) + ")";
      Tuple ids = Tuple.tuple();
      chunk.forEach(e -> ids.addString(e.eventId()));
      found = found.compose(set -> conn.preparedQuery(query).execute(ids).map(rows -> {
        rows.forEach(row -> set.add(row.getString(0)));
        return set;
      }));
    }
    return found;
  }

  @Override
  public Future<JsonObject> get(String eventId) {
    return reader.preparedQuery(sql.get("get-event")).execute(Tuple.of(eventId)).map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? toJson(it.next()) : null;
    });
  }

  @Override
  public Future<List<JsonObject>> query(EventQuery query) {
    SqlFilter filter = SqlFilter.of(query);
    String text = "SELECT " + COLUMNS + " FROM events" + filter.whereClause() + SqlFilter.orderBy(query)
      + " LIMIT ? OFFSET ?";
    filter.params.add(query.limit());
    filter.params.add(query.offset());
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(SqliteEventStore::toList);
  }

  @Override
  public Future<Long> count(EventQuery query) {
    SqlFilter filter = SqlFilter.of(query);
    return reader.preparedQuery("SELECT COUNT(*) FROM events" + filter.whereClause())
      .execute(Tuple.from(filter.params))
      .map(rows -> rows.iterator().next().getLong(0));
  }

  @Override
  public Future<Map<String, Long>> countBy(String column, EventQuery query) {
    String expression = switch (column) {
      case "source_system", "event_type", "severity" -> column;
      case "source_component" -> "COALESCE(source_component, 'unknown')";
      default -> throw new IllegalArgumentException("cannot group by " + column);
    };
    SqlFilter filter = SqlFilter.of(query);
    String text = "SELECT " + expression + " AS k, COUNT(*) AS n FROM events" + filter.whereClause()
      + " GROUP BY k ORDER BY n DESC, k";
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
      Map<String, Long> counts = new LinkedHashMap<>();
      for (Row row : rows) {
        Object key = row.getValue(0);
        String name = column.equals("severity") ? Severity.ofRank(((Number) key).intValue()).wire() : String.valueOf(key);
        counts.put(name, row.getLong(1));
      }
      return counts;
    });
  }

  @Override
  public Future<List<JsonObject>> after(String eventId, EventQuery filterQuery, int max) {
    return reader.preparedQuery(sql.get("seq-of")).execute(Tuple.of(eventId)).compose(rows -> {
      var it = rows.iterator();
      if (!it.hasNext()) {
        return Future.succeededFuture(null);
      }
      long seq = it.next().getLong(0);
      SqlFilter filter = SqlFilter.of(filterQuery);
      filter.clause("seq > ?");
      filter.params.add(seq);
      filter.params.add(max + 1);
      String text = "SELECT " + COLUMNS + " FROM events" + filter.whereClause() + " ORDER BY seq LIMIT ?";
      return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(result -> {
        List<JsonObject> events = new ArrayList<>();
        for (Row row : result) {
          events.add(toJson(row).put("_seq", row.getLong(0)));
        }
        return events;
      });
    });
  }

  @Override
  public Future<Integer> deleteBefore(long before, int chunk) {
    return writer.withTransaction(conn -> conn.preparedQuery(sql.get("delete-chunk")).execute(Tuple.of(before, chunk)))
      .map(rows -> {
        totalEvents -= rows.rowCount();
        return rows.rowCount();
      });
  }

  @Override
  public Future<JsonObject> health() {
    String writeError = lastWriteError;
    JsonObject health = new JsonObject()
      // Reads still work when commits fail (a full disk): degraded, not unhealthy.
      .put("status", writeError == null ? "healthy" : "degraded")
      .put("storage_type", "sqlite")
      .put("db_path", path.toString())
      .put("total_events", totalEvents);
    if (writeError != null) {
      health.put("last_write_error", writeError);
    }
    return reader.query("SELECT 1").execute().map(rows -> health);
  }

  @Override
  public Future<Void> close() {
    Future<Void> w = writer == null ? Future.succeededFuture() : writer.close();
    Future<Void> r = reader == null ? Future.succeededFuture() : reader.close();
    writer = null;
    reader = null;
    // The lock goes only once both pools are closed: no second collector may write while we still do.
    return Future.join(w, r).<Void>mapEmpty().eventually(() -> {
      FileLock held = fileLock;
      fileLock = null;
      if (held != null) {
        held.release();
      }
      return Future.succeededFuture();
    });
  }

  private static List<JsonObject> toList(RowSet<Row> rows) {
    List<JsonObject> events = new ArrayList<>(rows.size());
    for (Row row : rows) {
      events.add(toJson(row));
    }
    return events;
  }

  static JsonObject toJson(Row row) {
    Object duration = row.getValue(10);
    return new JsonObject()
      .put("event_id", row.getString(1))
      .put("timestamp", Event.formatTime(row.getLong(2)))
      .put("source_system", row.getString(3))
      .put("event_type", row.getString(4))
      .put("severity", Severity.ofRank(row.getInteger(5)).wire())
      .put("title", row.getString(6))
      .put("description", row.getString(7))
      .put("correlation_id", row.getString(8))
      .put("source_component", row.getString(9))
      .put("duration_ms", duration == null ? null : ((Number) duration).longValue())
      .put("data", new JsonObject(row.getString(11)))
      .put("tags", new JsonArray(row.getString(12)))
      .put("metadata", new JsonObject(row.getString(13)));
  }
}
