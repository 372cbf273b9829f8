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
    if (windowOnly(query) && INDEX_LED.contains(column)) {
      return countByIndex(column, query);
    }
    String expression = Grouping.expression(column);
    SqlFilter filter = SqlFilter.of(query);
    String text = "SELECT " + expression + " AS k, COUNT(*) AS n FROM events" + filter.whereClause()
      + " GROUP BY k ORDER BY n DESC, k";
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> Grouping.counts(rows, column));
  }

  @Override
  public Future<List<JsonObject>> afterPosition(long seq, EventQuery filterQuery, int max) {
    SqlFilter filter = SqlFilter.of(filterQuery);
    filter.clause("seq > ?");
    filter.params.add(seq);
    filter.params.add(max + 1);
    String text = "SELECT " + COLUMNS + " FROM events" + filter.whereClause() + " ORDER BY seq LIMIT ?";
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(SqliteEventStore::withPositions);
  }

  /** Each row as its wire JSON with its position as {@code _seq}. */
  private static List<JsonObject> withPositions(RowSet<Row> rows) {
    List<JsonObject> events = new ArrayList<>(rows.size());
    for (Row row : rows) {
      events.add(toJson(row).put("_seq", row.getLong(0)));
    }
    return events;
  }

  @Override
  public Future<Long> position(String eventId) {
    return reader.preparedQuery(sql.get("seq-of")).execute(Tuple.of(eventId)).map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? it.next().getLong(0) : null;
    });
  }

  @Override
  public Future<List<JsonObject>> range(long afterSeq, long toSeq) {
    String text = "SELECT " + COLUMNS + " FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?";
    return reader.preparedQuery(text).execute(Tuple.of(afterSeq, toSeq, RANGE_MAX)).map(SqliteEventStore::withPositions);
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
  public Future<Integer> deleteBefore(long before, int chunk, String system) {
    return writer.withTransaction(conn -> conn.preparedQuery(sql.get("delete-system-chunk"))
        .execute(Tuple.of(system, before, chunk)))
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

  private static final int PASS_CHUNK = 2_000;

  @Override
  public Future<Map<Long, Long>> hourly(EventQuery query) {
    SqlFilter filter = SqlFilter.of(query);
    String text = "SELECT (CASE WHEN ts >= 0 THEN ts / 3600000 ELSE (ts - 3599999) / 3600000 END) AS h, COUNT(*) AS n"
      + " FROM events" + filter.whereClause() + " GROUP BY h ORDER BY h";
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
      Map<Long, Long> counts = new LinkedHashMap<>();
      for (Row row : rows) {
        counts.put(row.getLong(0) * 3_600_000L, row.getLong(1));
      }
      return counts;
    });
  }

  @Override
  public Future<DurationStats> durations(EventQuery query, boolean percentiles) {
    if (windowOnly(query)) {
      return count(query).compose(inWindow -> inWindow * WIDE_WINDOW >= totalEvents
        ? durationsByIndex(query, percentiles) : durationsBySort(query, percentiles));
    }
    return durationsBySort(query, percentiles);
  }

  private Future<DurationStats> durationsBySort(EventQuery query, boolean percentiles) {
    SqlFilter filter = SqlFilter.of(query);
    filter.clause("duration_ms IS NOT NULL");
    if (!percentiles) {
      String text = "SELECT COUNT(duration_ms), MIN(duration_ms), MAX(duration_ms), AVG(duration_ms) FROM events"
        + filter.whereClause();
      return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
        Row row = rows.iterator().next();
        long n = row.getLong(0);
        return n == 0 ? DurationStats.EMPTY : new DurationStats(n, row.getLong(1), row.getLong(2),
          ((Number) row.getValue(3)).doubleValue(), null, null, null);
      });
    }
    // One sort: row numbers over the ordered durations, keeping the ranks that are asked for.
    String text = "SELECT rn, d, n, a FROM (SELECT duration_ms AS d, ROW_NUMBER() OVER (ORDER BY duration_ms) AS rn,"
      + " COUNT(*) OVER () AS n, AVG(duration_ms) OVER () AS a FROM events" + filter.whereClause() + ")"
      + " WHERE rn = 1 OR rn = n OR rn = (n * 50 + 99) / 100 OR rn = (n * 95 + 99) / 100 OR rn = (n * 99 + 99) / 100";
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(DurationStats::ofRanks);
  }

  @Override
  public Future<ErrorGroups> errorGroups(EventQuery query) {
    // A streaming pass on a worker thread over a plain JDBC cursor: one matching row in memory at
    // a time, each folded into its group; the (severity, ts) index serves the window per severity.
    SqlFilter filter = SqlFilter.of(severitiesListed(query));
    String text = "SELECT event_id, ts, source_system, event_type, title, substr(description, 1, "
      + org.eventcollector.event.Fingerprint.DESCRIPTION_CHARS + ") FROM events" + filter.whereClause();
    return vertx.executeBlocking(() -> {
      ErrorGroups groups = new ErrorGroups();
      try (java.sql.Connection conn = dataSource(true).getConnection();
           java.sql.PreparedStatement statement = conn.prepareStatement(text)) {
        for (int i = 0; i < filter.params.size(); i++) {
          statement.setObject(i + 1, filter.params.get(i));
        }
        statement.setFetchSize(PASS_CHUNK);
        try (java.sql.ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            groups.add(rows.getString(1), rows.getLong(2), rows.getString(3), rows.getString(4), rows.getString(5),
              rows.getString(6));
          }
        }
      }
      return groups;
    }, false);
  }

  /** Columns led by an index {@code (column, ts, event_id)}: counted per value without a sort. */
  private static final Set<String> INDEX_LED = Set.of("source_system", "event_type", "severity");
  /** A window holding at least 1/WIDE_WINDOW of all events is served by scanning the duration index. */
  private static final long WIDE_WINDOW = 8;

  /** True when {@code query} filters on time alone (or nothing): the shape of stats and reports. */
  static boolean windowOnly(EventQuery query) {
    return query.sourceSystems().isEmpty() && query.eventTypes().isEmpty() && query.severities().isEmpty()
      && query.components().isEmpty() && query.minSeverity() == null && query.correlationId() == null
      && query.tags().isEmpty() && query.anyTags().isEmpty() && query.searchTerms().isEmpty();
  }

  /**
   * Counts per value of an index-led column: the distinct values by index seeks (a loose index
   * scan), then per value a count of the index range inside the window. No table row is read and
   * nothing is sorted, however many events the window holds.
   */
  private Future<Map<String, Long>> countByIndex(String column, EventQuery query) {
    SqlFilter filter = SqlFilter.of(query);
    String window = filter.where.length() == 0 ? "" : " AND " + filter.where;
    String text = "WITH RECURSIVE v(x) AS (SELECT MIN(" + column + ") FROM events UNION ALL SELECT (SELECT MIN("
      + column + ") FROM events WHERE " + column + " > v.x) FROM v WHERE v.x IS NOT NULL)"
      + " SELECT x, (SELECT COUNT(*) FROM events WHERE " + column + " = v.x" + window + ") AS n"
      + " FROM v WHERE x IS NOT NULL";
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
      List<Map.Entry<String, Long>> counts = new ArrayList<>();
      for (Row row : rows) {
        long n = row.getLong(1);
        if (n > 0) {
          Object key = row.getValue(0);
          String name = column.equals("severity") ? Severity.ofRank(((Number) key).intValue()).wire() : String.valueOf(key);
          counts.add(Map.entry(name, n));
        }
      }
      counts.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
      Map<String, Long> sorted = new LinkedHashMap<>();
      counts.forEach(e -> sorted.put(e.getKey(), e.getValue()));
      return sorted;
    });
  }

  /**
   * Duration stats of a wide window from the {@code (duration_ms, ts)} index: one scan for count,
   * min, max and average, then each nearest-rank percentile as the row at its offset in index
   * order. Nothing is sorted and memory stays constant.
   */
  private Future<DurationStats> durationsByIndex(EventQuery query, boolean percentiles) {
    SqlFilter filter = SqlFilter.of(query);
    filter.clause("duration_ms IS NOT NULL");
    String from = " FROM events INDEXED BY events_duration_ts" + filter.whereClause();
    return reader.preparedQuery("SELECT COUNT(*), MIN(duration_ms), MAX(duration_ms), AVG(duration_ms)" + from)
      .execute(Tuple.from(filter.params)).compose(rows -> {
        Row row = rows.iterator().next();
        long n = row.getLong(0);
        if (n == 0) {
          return Future.succeededFuture(DurationStats.EMPTY);
        }
        DurationStats basic = new DurationStats(n, row.getLong(1), row.getLong(2),
          ((Number) row.getValue(3)).doubleValue(), null, null, null);
        if (!percentiles) {
          return Future.succeededFuture(basic);
        }
        String at = "SELECT duration_ms" + from + " ORDER BY duration_ms LIMIT 1 OFFSET ?";
        List<Future<Long>> ranks = new ArrayList<>();
        for (int p : new int[] {50, 95, 99}) {
          List<Object> params = new ArrayList<>(filter.params);
          params.add(DurationStats.rank(p, n) - 1);
          ranks.add(reader.preparedQuery(at).execute(Tuple.from(params)).map(r -> r.iterator().next().getLong(0)));
        }
        return Future.all(ranks).map(v -> new DurationStats(n, basic.min(), basic.max(), basic.avg(),
          ranks.get(0).result(), ranks.get(1).result(), ranks.get(2).result()));
      });
  }

  /**
   * A time window alone: per column from its index. Any other filter: one GROUP BY over every
   * column at once (one pass over the matching rows), the totals per column summed from it. A
   * minimum severity becomes the list of severities, so the {@code (severity, ts)} index serves
   * the window of each.
   */
  @Override
  public Future<JsonObject> aggregate(EventQuery query, List<String> columns) {
    if (windowOnly(query) || columns.isEmpty()) {
      return EventStore.super.aggregate(query, columns);
    }
    EventQuery bySeverity = severitiesListed(query);
    SqlFilter filter = SqlFilter.of(bySeverity);
    List<String> expressions = new ArrayList<>();
    for (String column : columns) {
      expressions.add(column.equals("source_component") ? "COALESCE(source_component, 'unknown')" : column);
    }
    String keys = String.join(", ", expressions);
    String text = "SELECT " + keys + ", COUNT(*) FROM events" + filter.whereClause() + " GROUP BY " + keys;
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
      List<Map<String, Long>> counts = new ArrayList<>();
      columns.forEach(c -> counts.add(new java.util.HashMap<>()));
      long total = 0;
      for (Row row : rows) {
        long n = row.getLong(columns.size());
        total += n;
        for (int i = 0; i < columns.size(); i++) {
          Object key = row.getValue(i);
          String name = columns.get(i).equals("severity") ? Severity.ofRank(((Number) key).intValue()).wire() : String.valueOf(key);
          counts.get(i).merge(name, n, Long::sum);
        }
      }
      JsonObject groups = new JsonObject();
      for (int i = 0; i < columns.size(); i++) {
        JsonObject ordered = new JsonObject();
        counts.get(i).entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
          .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        groups.put(columns.get(i), ordered);
      }
      return new JsonObject().put("total", total).put("groups", groups);
    });
  }

  /** The same query with {@code min_severity} turned into the list of severities it admits. */
  static EventQuery severitiesListed(EventQuery query) {
    if (query.minSeverity() == null) {
      return query;
    }
    List<Severity> levels = new ArrayList<>();
    for (Severity level : Severity.values()) {
      if (level.rank() >= query.minSeverity().rank() && (query.severities().isEmpty() || query.severities().contains(level))) {
        levels.add(level);
      }
    }
    if (levels.isEmpty()) {
      // Nothing can match; an impossible rank keeps the SQL simple.
      return new EventQuery(query.sourceSystems(), query.eventTypes(), query.severities(), query.components(),
        query.minSeverity(), query.start(), query.end(), query.endInclusive(), query.correlationId(), query.tags(),
        query.anyTags(), query.searchTerms(), query.limit(), query.offset(), query.sortBy(), query.ascending(), query.echo());
    }
    return new EventQuery(query.sourceSystems(), query.eventTypes(), levels, query.components(), null, query.start(),
      query.end(), query.endInclusive(), query.correlationId(), query.tags(), query.anyTags(), query.searchTerms(),
      query.limit(), query.offset(), query.sortBy(), query.ascending(), query.echo());
  }
}
