package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
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

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PostgreSQL through vertx-pg-client. Any number of collector nodes may write to one database at
 * once: every commit first locks the single row of {@code commit_clock} and takes its positions
 * ({@code seq}) from it, so positions follow commit order across all writers and a reader that sees
 * a position has already seen every smaller one.
 */
final class PgEventStore implements EventStore {

  /** The schema version this code writes; a database from a newer version is refused. */
  static final int SCHEMA_VERSION = 3;
  /** Key of the transaction-level advisory lock that serialises schema migrations. */
  static final long MIGRATION_LOCK = 0x4543_5343_4845_4D41L;

  private static final Logger LOG = LoggerFactory.getLogger(PgEventStore.class);
  static final String COLUMNS = "seq, event_id, ts, source_system, event_type, severity, title, description, "
    + "correlation_id, source_component, duration_ms, data, tags, metadata, exact";
  private static final String INSERT_EVENT = "INSERT INTO events (" + COLUMNS + ") VALUES "
    + "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (event_id) DO NOTHING RETURNING seq";
  private static final String INSERT_TAG = "INSERT INTO event_tags (tag, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING";
  private static final String ADVANCE_CLOCK = "UPDATE commit_clock SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq";
  private static final String ADD_TOTAL = "UPDATE commit_clock SET total_events = total_events + $1 WHERE id = 1";
  private static final String LOCK_CLOCK = "SELECT last_seq FROM commit_clock WHERE id = 1 FOR UPDATE";
  private static final String DELETE_CHUNK = "WITH gone AS (DELETE FROM events WHERE seq IN "
    + "(SELECT seq FROM events WHERE ts < $1 ORDER BY ts LIMIT $2) RETURNING seq), "
    + "gone_tags AS (DELETE FROM event_tags WHERE seq IN (SELECT seq FROM gone)) SELECT COUNT(*) FROM gone";

  private final Vertx vertx;
  private final String url;
  private final String password;
  private final int poolSize;
  private PgConnectOptions connect;
  private Pool pool;
  /** The error of the last commit when it failed; null once a commit succeeds. */
  private volatile String lastWriteError;
  private OutboxHook outbox;

  PgEventStore(Vertx vertx, String url, String password, int poolSize) {
    this.vertx = vertx;
    this.url = url;
    this.password = password;
    this.poolSize = poolSize;
  }

  /** Writes rows of its own in the transaction that stores events (the Session-Buddy outbox). */
  interface OutboxHook {

    /** Called inside the insert transaction, after the rows, with the events and their positions (-1: not stored). */
    Future<?> enqueue(SqlConnection conn, List<Event> events, long[] seqs);

    /** Called once that transaction has committed {@code stored} new events. */
    void committed(int stored);
  }

  void outbox(OutboxHook hook) {
    this.outbox = hook;
  }

  /** How to reach the database (after {@link #open()}). */
  PgConnectOptions connectOptions() {
    return connect;
  }

  Pool pool() {
    return pool;
  }

  @Override
  public Future<Void> open() {
    if (url == null || url.isBlank()) {
      return Future.failedFuture(new IllegalArgumentException(
        "storage.postgres.url (EC_PG_URL) is required for the postgres backend, e.g. postgresql://user@host:5432/db"));
    }
    try {
      connect = PgConnectOptions.fromUri(url.startsWith("postgres://") ? "postgresql://" + url.substring(11) : url);
    } catch (RuntimeException e) {
      return Future.failedFuture(new IllegalArgumentException("storage.postgres.url is not a postgresql:// URL: "
        + e.getMessage()));
    }
    if (password != null && !password.isEmpty()) {
      connect.setPassword(password);
    }
    connect.setCachePreparedStatements(true);
    pool = PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(poolSize).setName("pg-" + connect.getHost() + "-" + connect.getDatabase()))
      .connectingTo(connect)
      .using(vertx)
      .build();
    return pool.withTransaction(this::migrate).compose(v -> pool.query("SELECT total_events FROM commit_clock").execute())
      .map(rows -> {
        LOG.info("PostgreSQL store open at {}:{}/{} ({} events)", connect.getHost(), connect.getPort(),
          connect.getDatabase(), rows.iterator().next().getLong(0));
        return (Void) null;
      })
      .recover(e -> close().transform(closed -> Future.failedFuture(new IllegalStateException("cannot open PostgreSQL database "
        + connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase() + ": " + e.getMessage(), e))));
  }

  /** Brings the database to {@link #SCHEMA_VERSION}, one script per version, under a lock. */
  private Future<Void> migrate(SqlConnection conn) {
    return conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(MIGRATION_LOCK))
      .compose(r -> conn.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
        + "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())").execute())
      .compose(r -> conn.query("SELECT COALESCE(MAX(version), 0) FROM schema_version").execute())
      .compose(rows -> {
        int version = rows.iterator().next().getInteger(0);
        if (version > SCHEMA_VERSION) {
          return Future.failedFuture(new IllegalStateException("database schema version " + version
            + " is newer than this collector (" + SCHEMA_VERSION + ")"));
        }
        Future<Void> step = Future.succeededFuture();
        for (int next = version + 1; next <= SCHEMA_VERSION; next++) {
          int target = next;
          step = step.compose(v -> conn.query(script(target)).execute())
            .compose(r -> conn.preparedQuery("INSERT INTO schema_version (version) VALUES ($1)").execute(Tuple.of(target)))
            .map(r -> {
              LOG.info("PostgreSQL schema at version {}", target);
              return null;
            });
        }
        return step;
      });
  }

  static String script(int version) {
    try (InputStream in = PgEventStore.class.getResourceAsStream("/db/postgres/V" + version + ".sql")) {
      if (in == null) {
        throw new IllegalStateException("no schema script for version " + version);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Future<long[]> insert(List<Event> events) {
    long[] seqs = new long[events.size()];
    List<Integer> firsts = new ArrayList<>(events.size());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < events.size(); i++) {
      seqs[i] = -1;
      if (seen.add(events.get(i).eventId())) {
        firsts.add(i);
      }
    }
    if (firsts.isEmpty()) {
      return Future.succeededFuture(seqs);
    }
    // Locking the clock row serialises commits of every writer until this transaction ends, so the
    // positions taken here are larger than those of every commit already visible, and smaller than
    // those of every later commit.
    return pool.withTransaction(conn -> conn.preparedQuery(ADVANCE_CLOCK).execute(Tuple.of((long) firsts.size()))
      .compose(clock -> {
        long base = clock.iterator().next().getLong(0) - firsts.size() + 1;
        List<Tuple> rows = new ArrayList<>(firsts.size());
        for (int k = 0; k < firsts.size(); k++) {
          Event e = events.get(firsts.get(k));
          rows.add(Tuple.from(new Object[] {base + k, e.eventId(), e.timestamp(), e.sourceSystem(), e.eventType(),
            e.severity().rank(), PgFilter.text(e.title()), PgFilter.text(e.description()), PgFilter.text(e.correlationId()),
            PgFilter.text(e.sourceComponent()), e.durationMs(), e.data().encode(), new JsonArray(e.tags()).encode(),
            e.metadata().encode(), exact(e)}));
        }
        return conn.preparedQuery(INSERT_EVENT).executeBatch(rows).compose(result -> {
          List<Tuple> tags = new ArrayList<>();
          long inserted = 0;
          RowSet<Row> part = result;
          for (int k = 0; k < firsts.size() && part != null; k++, part = part.next()) {
            if (part.size() == 0) {
              continue; // stored before, by this node or another
            }
            long seq = part.iterator().next().getLong(0);
            seqs[firsts.get(k)] = seq;
            inserted++;
            for (String tag : new HashSet<>(events.get(firsts.get(k)).tags())) {
              tags.add(Tuple.of(PgFilter.text(tag), seq));
            }
          }
          Future<?> written = tags.isEmpty() ? Future.succeededFuture()
            : conn.preparedQuery(INSERT_TAG).executeBatch(tags);
          long count = inserted;
          return written.compose(r -> count == 0 ? Future.succeededFuture()
            : conn.preparedQuery(ADD_TOTAL).execute(Tuple.of(count)));
        });
      })
      .compose(v -> outbox == null ? Future.succeededFuture() : outbox.enqueue(conn, events, seqs))
      .map(v -> seqs))
      .onSuccess(v -> lastWriteError = null)
      .onSuccess(v -> {
        if (outbox != null) {
          outbox.committed((int) java.util.Arrays.stream(v).filter(s -> s > 0).count());
        }
      })
      .onFailure(e -> lastWriteError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }

  @Override
  public Future<JsonObject> get(String eventId) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM events WHERE event_id = $1").execute(Tuple.of(PgFilter.text(eventId)))
      .map(rows -> {
        var it = rows.iterator();
        return it.hasNext() ? toJson(it.next()) : null;
      });
  }

  @Override
  public Future<List<JsonObject>> query(EventQuery query) {
    PgFilter filter = PgFilter.of(query);
    String text = "SELECT " + COLUMNS + " FROM events" + filter.whereClause() + PgFilter.orderBy(query)
      + " LIMIT " + filter.param((long) query.limit()) + " OFFSET " + filter.param((long) query.offset());
    return pool.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
      List<JsonObject> events = new ArrayList<>(rows.size());
      for (Row row : rows) {
        events.add(toJson(row));
      }
      return events;
    });
  }

  @Override
  public Future<Long> count(EventQuery query) {
    PgFilter filter = PgFilter.of(query);
    return pool.preparedQuery("SELECT COUNT(*) FROM events" + filter.whereClause())
      .execute(Tuple.from(filter.params))
      .map(rows -> rows.iterator().next().getLong(0));
  }

  @Override
  public Future<Map<String, Long>> countBy(String column, EventQuery query) {
    String expression = Grouping.expression(column);
    PgFilter filter = PgFilter.of(query);
    String text = "SELECT " + expression + " AS k, COUNT(*) AS n FROM events" + filter.whereClause()
      + " GROUP BY k ORDER BY n DESC, k";
    return pool.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> Grouping.counts(rows, column));
  }

  @Override
  public Future<List<JsonObject>> after(String eventId, EventQuery filterQuery, int max) {
    return pool.preparedQuery("SELECT seq FROM events WHERE event_id = $1").execute(Tuple.of(PgFilter.text(eventId))).compose(rows -> {
      var it = rows.iterator();
      if (!it.hasNext()) {
        return Future.succeededFuture(null);
      }
      long seq = it.next().getLong(0);
      PgFilter filter = PgFilter.of(filterQuery);
      filter.clause("seq > " + filter.param(seq));
      String text = "SELECT " + COLUMNS + " FROM events" + filter.whereClause() + " ORDER BY seq LIMIT "
        + filter.param((long) max + 1);
      return pool.preparedQuery(text).execute(Tuple.from(filter.params)).map(result -> {
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
    // The clock row is locked first, as commits do, so a delete never waits on a commit while
    // holding rows that commit needs.
    return pool.withTransaction(conn -> conn.query(LOCK_CLOCK).execute()
      .compose(r -> conn.preparedQuery(DELETE_CHUNK).execute(Tuple.of(before, (long) chunk)))
      .compose(rows -> {
        long deleted = rows.iterator().next().getLong(0);
        return deleted == 0 ? Future.succeededFuture((int) deleted)
          : conn.preparedQuery(ADD_TOTAL).execute(Tuple.of(-deleted)).map(r -> (int) deleted);
      }));
  }

  @Override
  public Future<JsonObject> health() {
    String writeError = lastWriteError;
    return pool.query("SELECT total_events FROM commit_clock WHERE id = 1").execute().map(rows -> {
      JsonObject health = new JsonObject()
        // Reads still work while commits fail: degraded, not unhealthy.
        .put("status", writeError == null ? "healthy" : "degraded")
        .put("storage_type", "postgres")
        .put("host", connect.getHost())
        .put("port", connect.getPort())
        .put("database", connect.getDatabase())
        .put("total_events", rows.iterator().next().getLong(0));
      if (writeError != null) {
        health.put("last_write_error", writeError);
      }
      return health;
    });
  }

  /** Rows per read of the error-group pass. */
  private static final int PASS_CHUNK = 2_000;

  @Override
  public Future<Map<Long, Long>> hourly(EventQuery query) {
    PgFilter filter = PgFilter.of(query);
    String text = "SELECT (CASE WHEN ts >= 0 THEN ts / 3600000 ELSE (ts - 3599999) / 3600000 END) AS h, COUNT(*) AS n"
      + " FROM events" + filter.whereClause() + " GROUP BY h ORDER BY h";
    return pool.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
      Map<Long, Long> counts = new LinkedHashMap<>();
      for (Row row : rows) {
        counts.put(row.getLong(0) * 3_600_000L, row.getLong(1));
      }
      return counts;
    });
  }

  @Override
  public Future<DurationStats> durations(EventQuery query, boolean percentiles) {
    PgFilter filter = PgFilter.of(query);
    filter.clause("duration_ms IS NOT NULL");
    if (!percentiles) {
      String text = "SELECT COUNT(duration_ms), MIN(duration_ms), MAX(duration_ms), AVG(duration_ms)::float8 FROM events"
        + filter.whereClause();
      return pool.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
        Row row = rows.iterator().next();
        long n = row.getLong(0);
        return n == 0 ? DurationStats.EMPTY : new DurationStats(n, row.getLong(1), row.getLong(2),
          ((Number) row.getValue(3)).doubleValue(), null, null, null);
      });
    }
    // One sort: row numbers over the ordered durations, keeping the nearest ranks asked for
    // (integer arithmetic, as DurationStats.rank).
    String text = "SELECT rn, d, n, a FROM (SELECT duration_ms AS d, ROW_NUMBER() OVER (ORDER BY duration_ms) AS rn,"
      + " COUNT(*) OVER () AS n, (AVG(duration_ms) OVER ())::float8 AS a FROM events" + filter.whereClause() + ") ranked"
      + " WHERE rn = 1 OR rn = n OR rn = GREATEST(1, (n * 50 + 99) / 100) OR rn = GREATEST(1, (n * 95 + 99) / 100)"
      + " OR rn = GREATEST(1, (n * 99 + 99) / 100)";
    return pool.preparedQuery(text).execute(Tuple.from(filter.params)).map(DurationStats::ofRanks);
  }

  @Override
  public Future<ErrorGroups> errorGroups(EventQuery query) {
    // A streaming pass through a server-side cursor: at most PASS_CHUNK rows in memory at a time,
    // each folded into its group.
    PgFilter filter = PgFilter.of(SqliteEventStore.severitiesListed(query));
    String text = "SELECT event_id, ts, source_system, event_type, title, substr(description, 1, "
      + org.eventcollector.event.Fingerprint.DESCRIPTION_CHARS + "), exact FROM events" + filter.whereClause();
    ErrorGroups groups = new ErrorGroups();
    return pool.withTransaction(conn -> conn.prepare(text).compose(statement -> {
      io.vertx.sqlclient.Cursor cursor = statement.cursor(Tuple.from(filter.params));
      return readAll(cursor, groups).eventually(cursor::close);
    })).map(v -> groups);
  }

  private static Future<Void> readAll(io.vertx.sqlclient.Cursor cursor, ErrorGroups groups) {
    return cursor.read(PASS_CHUNK).compose(rows -> {
      for (Row row : rows) {
        String title = row.getString(4);
        String description = row.getString(5);
        String exact = row.getString(6);
        if (exact != null) {
          JsonObject fields = new JsonObject(exact);
          title = fields.getString("title", title);
          String full = fields.getString("description");
          if (full != null) {
            description = full.substring(0, full.offsetByCodePoints(0,
              Math.min(full.codePointCount(0, full.length()), org.eventcollector.event.Fingerprint.DESCRIPTION_CHARS)));
          }
        }
        groups.add(row.getString(0), row.getLong(1), row.getString(2), row.getString(3), title, description);
      }
      return cursor.hasMore() ? readAll(cursor, groups) : Future.succeededFuture();
    });
  }

  /** The exact values of the text fields holding U+0000, as JSON (which escapes it), or null. */
  static String exact(Event e) {
    JsonObject exact = new JsonObject();
    String[][] fields = {{"title", e.title()}, {"description", e.description()}, {"correlation_id", e.correlationId()},
      {"source_component", e.sourceComponent()}};
    for (String[] field : fields) {
      if (field[1] != null && field[1].indexOf('\u0000') >= 0) {
        exact.put(field[0], field[1]);
      }
    }
    return exact.isEmpty() ? null : exact.encode();
  }

  static JsonObject toJson(Row row) {
    JsonObject event = SqliteEventStore.toJson(row);
    String exact = row.getString(14);
    if (exact != null) {
      new JsonObject(exact).forEach(field -> event.put(field.getKey(), field.getValue()));
    }
    return event;
  }

  @Override
  public Future<Void> close() {
    Pool open = pool;
    pool = null;
    return open == null ? Future.succeededFuture() : open.close();
  }
}
