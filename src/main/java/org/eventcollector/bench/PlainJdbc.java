package org.eventcollector.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Severity;
import org.eventcollector.storage.SqliteFiles;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

/**
 * SQLite written with plain JDBC and nothing else, with the store's schema, pragmas and
 * statements: the limit for batched ingest, the seed's naive schema as a second limit, and the
 * fast fill for the query scenario.
 */
final class PlainJdbc {

  /** The query data set spans the seven days before the fill. */
  static final long SPAN_MS = 7L * 24 * 3600 * 1000;
  static final long CHUNK = 1_000_000;

  private PlainJdbc() {
  }

  /**
   * Events/s of batched inserts ({@code batchSize} per transaction) into a fresh file: what the
   * store's commit writes (rows, tags, hourly counts), not the search index, which is fed later.
   */
  static double batchedInsertRate(Path file, int batchSize, long events, double maxSeconds) throws Exception {
    DataSource source = SqliteFiles.dataSource(file, false, false, 64, 256);
    SqliteFiles.migrate(source);
    long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
    try (Connection conn = source.getConnection();
         PreparedStatement insert = conn.prepareStatement(SqliteFiles.statement("insert-event"));
         PreparedStatement tag = conn.prepareStatement(SqliteFiles.statement("insert-tag"));
         PreparedStatement count = conn.prepareStatement(SqliteFiles.statement("add-count"))) {
      conn.setAutoCommit(false);
      long seq = 1;
      long started = System.nanoTime();
      while (seq <= events && System.nanoTime() < deadline) {
        java.util.Map<List<Object>, Long> counts = new java.util.HashMap<>();
        for (int k = 0; k < batchSize; k++, seq++) {
          JsonObject event = Events.event(UUID.randomUUID().toString(), seq);
          long ts = System.currentTimeMillis();
          bind(insert, tag, event, seq, ts);
          counts.merge(List.of(Math.floorDiv(ts, 3_600_000L), event.getString("source_system"), event.getString("event_type"),
            Severity.parse(event.getString("severity")).rank(), event.getString("source_component")), 1L, Long::sum);
        }
        insert.executeBatch();
        tag.executeBatch();
        for (java.util.Map.Entry<List<Object>, Long> c : counts.entrySet()) {
          for (int i = 0; i < 5; i++) {
            count.setObject(i + 1, c.getKey().get(i));
          }
          count.setLong(6, c.getValue());
          count.addBatch();
        }
        count.executeBatch();
        conn.commit();
      }
      return (seq - 1) / ((System.nanoTime() - started) / 1e9);
    }
  }

  /**
   * Events/s of the seed's naive design with plain JDBC: random UUID text keys, every field a
   * column (times as ISO text), six single-column indexes, {@code batchSize} rows per transaction,
   * WAL and {@code synchronous=NORMAL}.
   */
  static double seedSchemaRate(Path file, int batchSize, long events, double maxSeconds) throws Exception {
    long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
    try (Connection conn = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
         Statement st = conn.createStatement()) {
      st.execute("PRAGMA journal_mode = WAL");
      st.execute("PRAGMA synchronous = NORMAL");
      st.execute("CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, timestamp TEXT NOT NULL,"
        + " source_system TEXT NOT NULL, event_type TEXT NOT NULL, severity TEXT NOT NULL, title TEXT, description TEXT,"
        + " correlation_id TEXT, source_component TEXT, duration_ms INTEGER, data TEXT, tags TEXT, metadata TEXT)");
      for (String column : List.of("timestamp", "source_system", "event_type", "severity", "correlation_id", "source_component")) {
        st.execute("CREATE INDEX IF NOT EXISTS idx_" + column + " ON events (" + column + ")");
      }
      conn.setAutoCommit(false);
      long seq = 1;
      long started = System.nanoTime();
      try (PreparedStatement insert = conn.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        while (seq <= events && System.nanoTime() < deadline) {
          for (int k = 0; k < batchSize; k++, seq++) {
            JsonObject e = Events.event(UUID.randomUUID().toString(), seq);
            insert.setString(1, e.getString("event_id"));
            insert.setString(2, java.time.Instant.ofEpochMilli(System.currentTimeMillis()).toString());
            insert.setString(3, e.getString("source_system"));
            insert.setString(4, e.getString("event_type"));
            insert.setString(5, e.getString("severity"));
            insert.setString(6, e.getString("title"));
            insert.setString(7, e.getString("description"));
            insert.setString(8, e.getString("correlation_id"));
            insert.setString(9, e.getString("source_component"));
            insert.setLong(10, e.getLong("duration_ms"));
            insert.setString(11, e.getJsonObject("data").encode());
            insert.setString(12, e.getJsonArray("tags").encode());
            insert.setString(13, e.getJsonObject("metadata").encode());
            insert.addBatch();
          }
          insert.executeBatch();
          conn.commit();
        }
      }
      return (seq - 1) / ((System.nanoTime() - started) / 1e9);
    }
  }

  /**
   * Fills events {@code from} (inclusive) to {@code to} (exclusive) with ids {@code q-<i>}; each
   * million spans the seven days before {@code end}, so any size spreads evenly over the week. For
   * speed the secondary indexes are dropped while rows go in, then built again from their own
   * stored SQL; the search index, its watermark and the hourly counts are then brought up to date
   * from the rows, so the file ends with exactly what the store would have written.
   */
  static void fill(Path file, long from, long to, long end) throws Exception {
    DataSource source = SqliteFiles.dataSource(file, false, false, 64, 256);
    SqliteFiles.migrate(source);
    try (Connection conn = source.getConnection(); Statement st = conn.createStatement()) {
      st.execute("PRAGMA synchronous = OFF");
      st.execute("PRAGMA cache_size = -1048576");
      List<String> rebuild = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        + " AND type = 'index' AND tbl_name = 'events'")) {
        while (rs.next()) {
          rebuild.add(rs.getString(3));
          rebuild.add(0, "DROP INDEX " + rs.getString(2));
        }
      }
      conn.setAutoCommit(false);
      int drops = (int) rebuild.stream().filter(q -> q.startsWith("DROP ")).count();
      for (String drop : rebuild.subList(0, drops)) {
        st.execute(drop);
      }
      conn.commit();
      try (PreparedStatement insert = conn.prepareStatement(SqliteFiles.statement("insert-event"));
           PreparedStatement tag = conn.prepareStatement(SqliteFiles.statement("insert-tag"))) {
        for (long i = from; i < to; i++) {
          bind(insert, tag, Events.event(String.format("q-%010d", i), i), i + 1, timestamp(i, end));
          if ((i + 1) % 20_000 == 0 || i == to - 1) {
            insert.executeBatch();
            tag.executeBatch();
            conn.commit();
          }
        }
      }
      for (String create : rebuild.subList(drops, rebuild.size())) {
        st.execute(create);
      }
      st.execute("INSERT INTO events_fts (rowid, title, description) SELECT seq, title, description FROM events"
        + " WHERE seq > " + from);
      st.execute("UPDATE search_state SET value = (SELECT MAX(seq) FROM events) WHERE key = 'indexed'");
      st.execute("DELETE FROM event_counts");
      st.execute("INSERT INTO event_counts (hour, source_system, event_type, severity, source_component, n)"
        + " SELECT ts / 3600000 AS h, source_system, event_type, severity, COALESCE(source_component, ',') AS c, COUNT(*)"
        + " FROM events GROUP BY h, source_system, event_type, severity, c");
      conn.commit();
      conn.setAutoCommit(true);
      st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
  }

  /** The timestamp of filled event {@code i}: spread over the week before {@code end}. */
  static long timestamp(long i, long end) {
    long slot = SPAN_MS / CHUNK;
    return end - SPAN_MS + (i % CHUNK) * slot + (i / CHUNK) * (slot / 6);
  }

  private static void bind(PreparedStatement insert, PreparedStatement tag, JsonObject e, long seq, long ts)
    throws java.sql.SQLException {
    insert.setLong(1, seq);
    insert.setString(2, e.getString("event_id"));
    insert.setLong(3, ts);
    insert.setString(4, e.getString("source_system"));
    insert.setString(5, e.getString("event_type"));
    insert.setInt(6, Severity.parse(e.getString("severity")).rank());
    insert.setString(7, e.getString("title"));
    insert.setString(8, e.getString("description"));
    insert.setString(9, e.getString("correlation_id"));
    insert.setString(10, e.getString("source_component"));
    insert.setLong(11, e.getLong("duration_ms"));
    insert.setString(12, e.getJsonObject("data").encode());
    JsonArray tags = e.getJsonArray("tags");
    insert.setString(13, tags.encode());
    insert.setString(14, e.getJsonObject("metadata").encode());
    insert.addBatch();
    for (Object t : new HashSet<>(tags.getList())) {
      tag.setString(1, (String) t);
      tag.setLong(2, ts);
      tag.setLong(3, seq);
      tag.addBatch();
    }
  }
}
