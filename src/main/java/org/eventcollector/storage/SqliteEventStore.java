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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
  private Connection writeConnection;

  SqliteEventStore(Vertx vertx, Path path, boolean fullSync, int cacheMb, int mmapMb, int readers) {
    this.vertx = vertx;
    this.path = path;
    this.fullSync = fullSync;
    this.cacheMb = cacheMb;
    this.mmapMb = mmapMb;
    this.readers = readers;
  }

  @Override
  public Future<Void> open() {
    return vertx.executeBlocking(() -> {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      SchemaMigrator.migrate(dataSource(false));
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
      return null;
    });
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
    // The whole commit is one blocking task on the writer connection: one hand-off per commit.
    return vertx.executeBlocking(() -> insertNow(events), true).onSuccess(seqs -> {
      for (long s : seqs) {
        if (s > 0) {
          totalEvents++;
        }
      }
    });
  }

  private long[] insertNow(List<Event> events) throws SQLException {
    Connection conn = writeConnection();
    boolean committed = false;
    try {
      Set<String> seen = existingNow(conn, events);
      long[] seqs = new long[events.size()];
      long seq = nextSeq;
      try (PreparedStatement insert = conn.prepareStatement(sql.get("insert-event"));
           PreparedStatement tag = conn.prepareStatement(sql.get("insert-tag"))) {
        boolean tags = false;
        for (int i = 0; i < events.size(); i++) {
          Event e = events.get(i);
          if (!seen.add(e.eventId())) {
            seqs[i] = -1;
            continue;
          }
          seqs[i] = seq;
          insert.setLong(1, seq);
          insert.setString(2, e.eventId());
          insert.setLong(3, e.timestamp());
          insert.setString(4, e.sourceSystem());
          insert.setString(5, e.eventType());
          insert.setInt(6, e.severity().rank());
          insert.setString(7, e.title());
          insert.setString(8, e.description());
          insert.setString(9, e.correlationId());
          insert.setString(10, e.sourceComponent());
          insert.setObject(11, e.durationMs());
          insert.setString(12, e.data().encode());
          insert.setString(13, new JsonArray(e.tags()).encode());
          insert.setString(14, e.metadata().encode());
          insert.addBatch();
          for (String t : new HashSet<>(e.tags())) {
            tag.setString(1, t);
            tag.setLong(2, seq);
            tag.addBatch();
            tags = true;
          }
          seq++;
        }
        if (seq > nextSeq) {
          insert.executeBatch();
          if (tags) {
            tag.executeBatch();
          }
        }
      }
      conn.commit();
      committed = true;
      nextSeq = seq;
      return seqs;
    } finally {
      if (!committed) {
        rollbackQuietly(conn);
      }
    }
  }

  private Set<String> existingNow(Connection conn, List<Event> events) throws SQLException {
    Set<String> found = new HashSet<>();
    for (int from = 0; from < events.size(); from += IN_CHUNK) {
      List<Event> chunk = events.subList(from, Math.min(events.size(), from + IN_CHUNK));
      try (PreparedStatement select = conn.prepareStatement(
        "SELECT event_id FROM events WHERE event_id IN (" + SqlFilter.marks(chunk.size()) + ")")) {
        for (int i = 0; i < chunk.size(); i++) {
          select.setString(i + 1, chunk.get(i).eventId());
        }
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            found.add(rs.getString(1));
          }
        }
      }
    }
    return found;
  }

  /** The writer's own JDBC connection (opened on first use, on a worker thread), not in auto-commit. */
  private Connection writeConnection() throws SQLException {
    if (writeConnection == null) {
      Connection conn = dataSource(false).getConnection();
      conn.setAutoCommit(false);
      writeConnection = conn;
    }
    return writeConnection;
  }

  private static void rollbackQuietly(Connection conn) {
    try {
      conn.rollback();
    } catch (SQLException e) {
      LOG.warn("Rollback failed: {}", e.getMessage());
    }
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
    return vertx.executeBlocking(() -> {
      Connection conn = writeConnection();
      boolean committed = false;
      try (PreparedStatement delete = conn.prepareStatement(sql.get("delete-chunk"))) {
        delete.setLong(1, before);
        delete.setInt(2, chunk);
        int deleted = delete.executeUpdate();
        conn.commit();
        committed = true;
        return deleted;
      } finally {
        if (!committed) {
          rollbackQuietly(conn);
        }
      }
    }, true).map(deleted -> {
      totalEvents -= deleted;
      return deleted;
    });
  }

  @Override
  public Future<JsonObject> health() {
    return reader.query("SELECT 1").execute().map(rows -> new JsonObject()
      .put("status", "healthy")
      .put("storage_type", "sqlite")
      .put("db_path", path.toString())
      .put("total_events", totalEvents));
  }

  @Override
  public Future<Void> close() {
    Future<Void> w = writer == null ? Future.succeededFuture() : writer.close();
    if (writeConnection != null) {
      Connection conn = writeConnection;
      writeConnection = null;
      w = w.compose(v -> vertx.executeBlocking(() -> {
        conn.close();
        return null;
      }, true));
    }
    Future<Void> r = reader == null ? Future.succeededFuture() : reader.close();
    return Future.join(w, r).mapEmpty();
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
