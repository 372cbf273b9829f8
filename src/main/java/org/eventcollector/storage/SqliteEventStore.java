package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
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
import org.eventcollector.event.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SQLite: commits run as one blocking task each on the writer's own plain JDBC connection and
 * thread ({@link SqliteWriter}); reads go through a small vertx-jdbc-client pool (WAL lets them
 * read while the writer commits). After each commit the search indexer feeds the trigram index
 * in bounded chunks on the same thread; WAL checkpoints run on a connection of their own.
 */
final class SqliteEventStore implements EventStore {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteEventStore.class);
  private static final String COLUMNS = "seq, event_id, ts, source_system, event_type, severity, title, description, "
    + "correlation_id, source_component, duration_ms, data, tags, metadata";
  private static final String E_COLUMNS = "e." + COLUMNS.replace(", ", ", e.");
  /** Rows the search indexer adds per task: a commit waits behind at most one such task. */
  static final int INDEX_CHUNK = 500;
  /**
   * The indexer runs while no commit is under way; past this lag it also runs between commits,
   * one chunk per commit, so that the directly scanned tail of a search stays bounded.
   */
  static final long INDEX_LAG_MAX = 20_000;
  /** How often the WAL is checkpointed (passively, off the commit path). */
  private static final long CHECKPOINT_MS = 1_000;

  private final Vertx vertx;
  private final Path path;
  private final boolean fullSync;
  private final int cacheMb;
  private final int mmapMb;
  private final int readers;
  private final Sql sql = Sql.load();
  private WorkerExecutor writerThread;
  private SqliteWriter writer;
  private Pool reader;
  private Pool sideWriter;
  private SqliteAnalyses analyses;
  private long totalEvents;
  private volatile long lastSeq;
  private volatile long indexed;
  private boolean indexing;
  private boolean indexerPaused;
  private int committing;
  private long checkpointTimer = -1;
  private boolean checkpointing;
  private java.sql.Connection checkpointer;
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

  Pool reader() {
    return reader;
  }

  /**
   * A pool of one writing connection for the rare writes beside the events (saved queries, alert
   * rules); SQLite serialises it with the commit writer through its busy timeout.
   */
  synchronized Pool writer() {
    if (sideWriter == null) {
      sideWriter = JDBCPool.pool(vertx, dataSource(false), new PoolOptions().setMaxSize(1).setName("sqlite-side-writer-" + path));
    }
    return sideWriter;
  }

  /** Runs {@code work} in one transaction on the writer's thread and connection. */
  <T> Future<T> write(SqliteWriter.Work<T> work) {
    return writerThread.executeBlocking(() -> writer.transaction(work), true);
  }

  @Override
  public Future<Void> open() {
    writerThread = vertx.createSharedWorkerExecutor("sqlite-writer-" + System.identityHashCode(this), 1, 10,
      java.util.concurrent.TimeUnit.MINUTES);
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
    }).compose(v -> writerThread.executeBlocking(() -> {
      writer = new SqliteWriter(dataSource(false), outbox);
      lastSeq = writer.lastSeq();
      indexed = writer.indexed();
      return null;
    }, true)).compose(v -> {
      reader = JDBCPool.pool(vertx, dataSource(true), new PoolOptions().setMaxSize(readers).setName("sqlite-reader-" + path));
      analyses = new SqliteAnalyses(vertx, reader, this::filter, () -> dataSource(true));
      return reader.query(sql.get("count-all")).execute();
    }).map(rows -> {
      totalEvents = rows.iterator().next().getLong(0);
      LOG.info("SQLite store open at {} ({} events, {} not yet in the search index)", path.toAbsolutePath(),
        totalEvents, lastSeq - indexed);
      checkpointTimer = vertx.setPeriodic(CHECKPOINT_MS, id -> checkpoint());
      index();
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
    SQLiteDataSource dataSource = new FoldingDataSource(config);
    dataSource.setUrl("jdbc:sqlite:" + path.toAbsolutePath());
    return dataSource;
  }

  /** Connections that know {@link SqlFilter#FOLD}, the search's case folding. */
  private static final class FoldingDataSource extends SQLiteDataSource {

    FoldingDataSource(SQLiteConfig config) {
      super(config);
    }

    @Override
    public org.sqlite.SQLiteConnection getConnection(String username, String password) throws java.sql.SQLException {
      org.sqlite.SQLiteConnection conn = super.getConnection(username, password);
      org.sqlite.Function.create(conn, SqlFilter.FOLD, new org.sqlite.Function() {
        @Override
        protected void xFunc() throws java.sql.SQLException {
          String value = value_text(0);
          result(value == null ? null : Text.fold(value));
        }
      }, 1, org.sqlite.Function.FLAG_DETERMINISTIC);
      return conn;
    }
  }

  @Override
  public Future<long[]> insert(List<Event> events) {
    committing++;
    return writerThread.executeBlocking(() -> writer.insert(events), true).map(stored -> {
      lastWriteError = null;
      totalEvents += stored.count();
      lastSeq = writer.lastSeq();
      if (outbox != null && stored.count() > 0) {
        outbox.committed(stored.count());
      }
      return stored.seqs();
    }).onFailure(e -> lastWriteError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
      .onComplete(ar -> {
        committing--;
        // Decided once the caller has queued its next commit, if it has one.
        vertx.runOnContext(v -> index());
      });
  }

  /**
   * Queues one chunk of the search indexer on the writer's thread, one at a time: while no commit
   * is under way, or behind each commit once the lag passes {@link #INDEX_LAG_MAX}.
   */
  private void index() {
    if (indexing || indexerPaused || writerThread == null || indexed >= lastSeq || (committing > 0 && lastSeq - indexed < INDEX_LAG_MAX)) {
      return;
    }
    indexing = true;
    // Between commits, as much as keeps the lag at its bound; alone, small chunks that a commit waits little behind.
    int chunk = (int) Math.max(INDEX_CHUNK, Math.min(10 * INDEX_CHUNK, lastSeq - indexed - INDEX_LAG_MAX));
    writerThread.executeBlocking(() -> {
      writer.indexChunk(chunk);
      return writer.indexed();
    }, true).onComplete(ar -> {
      indexing = false;
      if (ar.succeeded()) {
        indexed = ar.result();
        index();
      } else if (writer != null) {
        LOG.warn("Search indexer failed (retried after the next commit): {}", ar.cause().getMessage());
      }
    });
  }

  /** Holds the search indexer back (or lets it go on): searches must stay complete either way. */
  void pauseIndexer(boolean paused) {
    indexerPaused = paused;
    index();
  }

  /** A passive WAL checkpoint on a connection of its own: it never waits for, nor holds up, a commit. */
  private void checkpoint() {
    if (checkpointing) {
      return;
    }
    checkpointing = true;
    vertx.executeBlocking(() -> {
      if (checkpointer == null) {
        checkpointer = dataSource(false).getConnection();
      }
      try (java.sql.Statement st = checkpointer.createStatement()) {
        st.execute("PRAGMA wal_checkpoint(PASSIVE)");
      }
      return null;
    }, false).onComplete(ar -> {
      checkpointing = false;
      if (ar.failed()) {
        LOG.debug("WAL checkpoint failed: {}", ar.cause().getMessage());
      }
    });
  }

  @Override
  public Future<JsonObject> get(String eventId) {
    return reader.preparedQuery(sql.get("get-event")).execute(Tuple.of(eventId)).map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? toJson(it.next()) : null;
    });
  }

  /** The filter of {@code query}, searching through the index up to the indexer's watermark. */
  private SqlFilter filter(EventQuery query) {
    return SqlFilter.of(query, indexed, "");
  }

  @Override
  public Future<List<JsonObject>> query(EventQuery query) {
    if (!query.tags().isEmpty() && query.sortBy() == EventQuery.SortField.TIMESTAMP && query.correlationId() == null) {
      return byTag(query);
    }
    if (SqliteSearch.serves(query)) {
      return new SqliteSearch(reader, COLUMNS).page(query, indexed);
    }
    SqlFilter filter = filter(query);
    String text = "SELECT " + COLUMNS + from(query) + filter.whereClause() + SqlFilter.orderBy(query)
      + " LIMIT ? OFFSET ?";
    filter.params.add(query.limit());
    filter.params.add(query.offset());
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(SqliteEventStore::toList);
  }

  /**
   * The table of a page of {@code query}: by time with no filter that has an index of its own
   * (system, correlation, tags, search), newest (or oldest) first along {@code (ts)}; type,
   * severity and component are checked per row and the walk stops once the page is full.
   */
  static String from(EventQuery query) {
    boolean led = !query.sourceSystems().isEmpty() || query.correlationId() != null || !query.tags().isEmpty()
      || !query.anyTags().isEmpty() || !query.searchTerms().isEmpty();
    return query.sortBy() == EventQuery.SortField.TIMESTAMP && !led ? " FROM events INDEXED BY events_ts" : " FROM events";
  }

  /**
   * Newest (or oldest) first through {@code event_tags (tag, ts, seq)} of the first tag: the walk
   * stops once the page is full, however many events carry the tag; the other filters are checked
   * per row, the other tags by their own key.
   */
  private Future<List<JsonObject>> byTag(EventQuery query) {
    String first = query.tags().get(0);
    EventQuery rest = new EventQuery(query.sourceSystems(), query.eventTypes(), query.severities(), query.components(),
      query.minSeverity(), query.start(), query.end(), query.endInclusive(), null, List.of(), query.anyTags(),
      query.searchTerms(), query.limit(), query.offset(), query.sortBy(), query.ascending(), query.echo());
    SqlFilter filter = SqlFilter.of(rest, indexed, "e.");
    filter.and("t.tag = ?", first);
    if (query.start() != null) {
      filter.and("t.ts >= ?", query.start());
    }
    if (query.end() != null) {
      filter.and(query.endInclusive() ? "t.ts <= ?" : "t.ts < ?", query.end());
    }
    for (String tag : query.tags().subList(1, query.tags().size())) {
      filter.and("EXISTS (SELECT 1 FROM event_tags x WHERE x.tag = ? AND x.ts = e.ts AND x.seq = e.seq)", tag);
    }
    String dir = query.ascending() ? " ASC" : " DESC";
    String text = "SELECT " + E_COLUMNS + " FROM event_tags t CROSS JOIN events e ON e.seq = t.seq" + filter.whereClause()
      + " ORDER BY t.ts" + dir + ", e.event_id" + dir + " LIMIT ? OFFSET ?";
    filter.params.add(query.limit());
    filter.params.add(query.offset());
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(SqliteEventStore::toList);
  }

  @Override
  public Future<List<JsonObject>> afterPosition(long seq, EventQuery filterQuery, int max) {
    SqlFilter filter = filter(filterQuery);
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
    return deleteBefore(before, chunk, null);
  }

  @Override
  public Future<Integer> deleteBefore(long before, int chunk, String system) {
    return writerThread.executeBlocking(() -> writer.deleteBefore(before, chunk, system), true).map(n -> {
      totalEvents -= n;
      return n;
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
      .put("total_events", totalEvents)
      // Committed positions not yet in the trigram index (searches scan them directly meanwhile).
      .put("search_index_lag", Math.max(0, lastSeq - indexed));
    if (writeError != null) {
      health.put("last_write_error", writeError);
    }
    return reader.query("SELECT 1").execute().map(rows -> health);
  }

  /** Rows the search indexer adds at most when the store closes (the rest waits for the next start). */
  private static final int INDEX_AT_CLOSE = 100_000;

  @Override
  public Future<Void> close() {
    if (checkpointTimer >= 0) {
      vertx.cancelTimer(checkpointTimer);
      checkpointTimer = -1;
    }
    WorkerExecutor thread = writerThread;
    SqliteWriter w = writer;
    writer = null;
    writerThread = null;
    Future<Void> written = thread == null ? Future.succeededFuture() : thread.<Void>executeBlocking(() -> {
      if (w != null) {
        try {
          for (int done = 0; done < INDEX_AT_CLOSE && w.indexChunk(INDEX_CHUNK) > 0; done += INDEX_CHUNK) {
            // Each chunk is its own transaction.
          }
        } finally {
          w.close();
        }
      }
      return null;
    }, true).eventually(thread::close);
    Future<Void> r = reader == null ? Future.succeededFuture() : reader.close();
    reader = null;
    if (sideWriter != null) {
      sideWriter.close();
      sideWriter = null;
    }
    Future<Void> c = vertx.executeBlocking(() -> {
      java.sql.Connection conn = checkpointer;
      checkpointer = null;
      if (conn != null) {
        conn.close();
      }
      return null;
    }, false);
    // The lock goes only once every connection is closed: no second collector may write while we still do.
    return Future.join(written, r, c).<Void>mapEmpty().eventually(() -> {
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

  @Override
  public Future<Long> count(EventQuery query) {
    return analyses.count(query);
  }

  @Override
  public Future<Map<String, Long>> countBy(String column, EventQuery query) {
    return analyses.countBy(column, query);
  }

  @Override
  public Future<Map<Long, Long>> hourly(EventQuery query) {
    return analyses.hourly(query);
  }

  @Override
  public Future<DurationStats> durations(EventQuery query, boolean percentiles) {
    return analyses.durations(query, percentiles);
  }

  @Override
  public Future<ErrorGroups> errorGroups(EventQuery query) {
    return analyses.errorGroups(query);
  }

  @Override
  public Future<JsonObject> aggregate(EventQuery query, List<String> columns) {
    return analyses.aggregate(query, columns);
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
