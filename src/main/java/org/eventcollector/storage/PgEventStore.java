package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventQuery;
import org.eventcollector.event.Severity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * PostgreSQL through vertx-pg-client. Any number of collector nodes may write to one database at
 * once: every commit ({@code events_commit} in V2.sql, one statement) first locks the single row of
 * {@code commit_clock}, then hands positions ({@code seq}) to the ids that are new, so positions
 * follow commit order across all writers, have no gap (the next stored position is always the last
 * plus one), and a reader that sees a position has already seen every smaller one. Events live in
 * partitions by ranges of {@code ts}: one per UTC day near now, coarser (month, year, decade, two
 * catch-alls) for times far from it, so that the times clients send bound the number of partitions
 * (see {@code events_partition_create} in V2.sql).
 */
final class PgEventStore implements EventStore {

  /** The schema version this code writes; a database from a newer version is refused. */
  static final int SCHEMA_VERSION = 3;
  /** Key of the transaction-level advisory lock that serialises schema migrations. */
  static final long MIGRATION_LOCK = 0x4543_5343_4845_4D41L;
  /** Key of the transaction-level advisory lock taken to create partitions. */
  static final long PARTITION_LOCK = 0x4543_5041_5254_4954L;
  static final long DAY = 86_400_000L;
  /** Days before today, and after the last day made ahead, that get their own partition on demand. */
  static final int NEAR_DAYS = 7;
  /** The first time (epoch ms) of the catch-all partition {@code events_from_2200}: 2200-01-01 UTC. */
  static final long FAR_FUTURE = 7_258_118_400_000L;
  /** How often the partitions of the coming days are created. */
  static final long PARTITION_TIMER_MS = 3_600_000L;
  /** The most events a partition made for future times may hold to be split once now reaches it. */
  static final long SPLIT_MAX_ROWS = 10_000L;
  /** Ids of dropped partitions removed from {@code event_ids} per transaction. */
  static final int ID_CHUNK = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(PgEventStore.class);
  static final String COLUMNS = "seq, event_id, ts, source_system, event_type, severity, title, description, "
    + "correlation_id, source_component, duration_ms, data, tags, metadata, exact";
  private static final String LOCK_CLOCK = "SELECT last_seq FROM commit_clock WHERE id = 1 FOR UPDATE";
  // The whole commit in one statement (events_commit in V2.sql): the clock row, the new ids and
  // their positions, the events, the clock.
  static final String COMMIT_EVENTS = "SELECT stored_id, stored_seq FROM events_commit($1::text[], $2::bigint[],"
    + " $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[],"
    + " $12::text[], $13::text[], $14::text[])";
  private static final String ADD_TOTAL = "UPDATE commit_clock SET total_events = total_events + $1 WHERE id = 1";
  private static final String CREATE_PARTITIONS = "SELECT events_partition_create(t, $2, $3) FROM unnest($1::bigint[]) AS t";
  private static final String PARTITIONS = "SELECT name, lo, hi FROM events_partition_ranges";
  private static final String SPLIT_PARTITION = "SELECT events_partition_split($1, $2, $3, $4)";
  private static final String DELETE_CHUNK = "WITH gone AS (DELETE FROM events WHERE ts < $1 AND (ts, event_id) IN "
    + "(SELECT ts, event_id FROM events WHERE ts < $1 ORDER BY ts LIMIT $2) RETURNING event_id), "
    + "gone_ids AS (DELETE FROM event_ids WHERE event_id IN (SELECT event_id FROM gone)) SELECT COUNT(*) FROM gone";
  private static final String DELETE_SYSTEM_CHUNK = "WITH gone AS (DELETE FROM events WHERE ts < $1 AND source_system = $3"
    + " AND (ts, event_id) IN (SELECT ts, event_id FROM events WHERE ts < $1 AND source_system = $3 ORDER BY ts LIMIT $2)"
    + " RETURNING event_id), gone_ids AS (DELETE FROM event_ids WHERE event_id IN (SELECT event_id FROM gone))"
    + " SELECT COUNT(*) FROM gone";
  // Ids below the first partition kept whose event is gone: those of dropped partitions. An id
  // whose partition was made again meanwhile (a late event) stays.
  private static final String DELETE_DROPPED_IDS = "DELETE FROM event_ids WHERE event_id IN "
    + "(SELECT x.event_id FROM event_ids x WHERE x.ts < $1 AND NOT EXISTS "
    + "(SELECT 1 FROM events e WHERE e.ts = x.ts AND e.event_id = x.event_id AND e.ts < $1) LIMIT $2)";
  private static final Pattern PARTITION_NAME = Pattern.compile("events_[a-z0-9_]+");

  /** How to reach the database and how much of it to use. */
  record Settings(String url, String password, String passwordFile, int poolSize, int pipeliningLimit, int partitionsAhead) {

    static Settings of(JsonObject conf) {
      return new Settings(Config.string(conf, ConfigKeys.Storage.PG_URL, ""),
        Config.string(conf, ConfigKeys.Storage.PG_PASSWORD, ""),
        Config.string(conf, ConfigKeys.Storage.PG_PASSWORD_FILE, ""),
        Config.integer(conf, ConfigKeys.Storage.PG_POOL_SIZE, 8),
        Config.integer(conf, ConfigKeys.Storage.PG_PIPELINING_LIMIT, 256),
        Config.integer(conf, ConfigKeys.Storage.PG_PARTITIONS_AHEAD, 3));
    }
  }

  private final Vertx vertx;
  private final Settings settings;
  /**
   * The partitions known to this node by their first time; they never overlap. Replaced whole from
   * the catalog; a commit creates those its times miss first.
   */
  private volatile NavigableMap<Long, Partition> partitionRanges = new TreeMap<>();
  private PgConnectOptions connect;
  private Pool pool;
  private long partitionTimer = -1;
  /** The error of the last commit when it failed; null once a commit succeeds. */
  private volatile String lastWriteError;
  private OutboxHook outbox;

  PgEventStore(Vertx vertx, String url, String password, int poolSize) {
    this(vertx, new Settings(url, password, "", poolSize, 256, 3));
  }

  PgEventStore(Vertx vertx, Settings settings) {
    this.vertx = vertx;
    this.settings = settings;
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
    String url = settings.url();
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
    String password;
    try {
      password = password(settings);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (password != null && !password.isEmpty()) {
      connect.setPassword(password);
    }
    connect.setCachePreparedStatements(true).setPipeliningLimit(Math.max(1, settings.pipeliningLimit()));
    // Sent at connection start: every execution of a prepared statement is planned for its own
    // values. A generic plan cannot tell a rare search term or tag from a common one, and prunes
    // partitions only at run time (see README, PostgreSQL, "Plans").
    connect.addProperty("plan_cache_mode", "force_custom_plan");
    pool = PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(Math.max(1, settings.poolSize()))
        .setName("pg-" + connect.getHost() + "-" + connect.getDatabase()))
      .connectingTo(connect)
      .using(vertx)
      .build();
    return pool.withTransaction(this::migrate)
      .compose(v -> loadPartitions())
      .compose(v -> createAhead())
      .compose(v -> pool.query("SELECT total_events FROM commit_clock").execute())
      .map(rows -> {
        partitionTimer = vertx.setPeriodic(PARTITION_TIMER_MS, id -> createAhead()
          .onFailure(e -> LOG.warn("Creating the partitions of the coming days failed: {}", e.getMessage())));
        LOG.info("PostgreSQL store open at {}:{}/{} ({} events, {} partitions)", connect.getHost(), connect.getPort(),
          connect.getDatabase(), rows.iterator().next().getLong(0), partitionRanges.size());
        return (Void) null;
      })
      .recover(e -> close().transform(closed -> Future.failedFuture(new IllegalStateException("cannot open PostgreSQL database "
        + connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase() + ": " + e.getMessage(), e))));
  }

  /**
   * The password: {@code storage.postgres.password} when set, else the contents of
   * {@code storage.postgres.password_file} without its trailing line break, else none.
   */
  static String password(Settings settings) {
    if (settings.password() != null && !settings.password().isEmpty()) {
      return settings.password();
    }
    String file = settings.passwordFile();
    if (file == null || file.isEmpty()) {
      return "";
    }
    try {
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      return text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
        : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read storage.postgres.password_file (EC_STORAGE_POSTGRES_PASSWORD_FILE) "
        + file + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + " " + e.getMessage()), e);
    }
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

  /** The day (since 1970-01-01, UTC) of an epoch-millisecond time. */
  static long day(long ts) {
    return Math.floorDiv(ts, DAY);
  }

  /** One partition of {@code events}: its name and range of ts, MIN_VALUE / MAX_VALUE when unbounded. */
  record Partition(String name, long first, long end) {

    boolean holds(long ts) {
      return first <= ts && (ts < end || end == Long.MAX_VALUE);
    }
  }

  /** The partitions of the database, in time order. */
  private static Future<List<Partition>> partitions(SqlClient client) {
    return client.query(PARTITIONS).execute().map(rows -> {
      List<Partition> partitions = new ArrayList<>();
      for (Row row : rows) {
        Long first = row.getLong(1);
        Long end = row.getLong(2);
        partitions.add(new Partition(row.getString(0), first == null ? Long.MIN_VALUE : first,
          end == null ? Long.MAX_VALUE : end));
      }
      partitions.sort(Comparator.comparingLong(Partition::first));
      return partitions;
    });
  }

  private void know(List<Partition> partitions) {
    NavigableMap<Long, Partition> ranges = new TreeMap<>();
    for (Partition partition : partitions) {
      ranges.put(partition.first(), partition);
    }
    partitionRanges = ranges;
  }

  private Future<Void> loadPartitions() {
    return partitions(pool).map(found -> {
      know(found);
      return null;
    });
  }

  /** Whether a partition known to this node holds {@code ts}. */
  private boolean covered(long ts) {
    Map.Entry<Long, Partition> range = partitionRanges.floorEntry(ts);
    return range != null && range.getValue().holds(ts);
  }

  /**
   * The time standing for {@code ts} in the placement of partitions: its day's first time, or one
   * time of the catch-all holding it (all bounds are UTC midnights, so the day decides).
   */
  static long placement(long ts) {
    return ts < 0 ? -1 : ts >= FAR_FUTURE ? FAR_FUTURE : day(ts) * DAY;
  }

  /**
   * The near window, first and last day: days from {@link #NEAR_DAYS} before today to as many after
   * the last one made ahead get a partition of their own.
   */
  private long[] nearWindow() {
    long today = day(System.currentTimeMillis());
    return new long[] {today - NEAR_DAYS, today + Math.max(0, settings.partitionsAhead()) + NEAR_DAYS};
  }

  /**
   * Creates the partitions of today and the {@code partitions_ahead} days after it, then splits
   * the coarser partitions that the near window has reached.
   */
  private Future<Void> createAhead() {
    long today = day(System.currentTimeMillis());
    Set<Long> times = new TreeSet<>();
    for (long d = today; d <= today + Math.max(0, settings.partitionsAhead()); d++) {
      times.add(d * DAY);
    }
    return createPartitions(times).compose(v -> splitNear());
  }

  /**
   * Replaces each partition wider than a day that meets the near window (made earlier for times a
   * client sent ahead) by days and finer ranges, moving its events, one partition a transaction;
   * see {@code events_partition_split}. One holding more than {@link #SPLIT_MAX_ROWS} events stays.
   */
  private Future<Void> splitNear() {
    long[] near = nearWindow();
    long first = near[0] * DAY;
    long end = (near[1] + 1) * DAY;
    List<Partition> wide = partitionRanges.values().stream()
      .filter(p -> p.first() != Long.MIN_VALUE && p.end() != Long.MAX_VALUE && p.end() - p.first() > DAY)
      .filter(p -> p.first() < end && first < p.end())
      .toList();
    if (wide.isEmpty()) {
      return Future.succeededFuture();
    }
    Future<Void> step = Future.succeededFuture();
    for (Partition partition : wide) {
      step = step.compose(v -> pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)")
          .execute(Tuple.of(PARTITION_LOCK))
          .compose(r -> conn.preparedQuery(SPLIT_PARTITION).execute(Tuple.of(partition.name(), near[0], near[1], SPLIT_MAX_ROWS)))))
        .map(rows -> {
          Long moved = rows.iterator().next().getLong(0);
          if (moved != null && moved < 0) {
            LOG.warn("Partition {} holds more than {} events and keeps holding the days of the near window;"
              + " its events are deleted row by row by retention", partition.name(), SPLIT_MAX_ROWS);
          } else if (moved != null) {
            LOG.info("Split partition {} into days and finer ranges ({} events moved)", partition.name(), moved);
          }
          return null;
        });
    }
    return step.compose(v -> loadPartitions());
  }

  /**
   * Creates a partition for each of {@code times} that no known partition holds, in their own short
   * transaction: nodes may race, so under an advisory lock, where the server checks again which
   * ranges exist and picks the range of each time (see {@code events_partition_create}). A day
   * already inside a coarser partition gets none of its own: its events go to the coarser one.
   */
  private Future<Void> createPartitions(Set<Long> times) {
    Long[] missing = times.stream().filter(t -> !covered(t)).map(PgEventStore::placement).distinct().sorted()
      .toArray(Long[]::new);
    if (missing.length == 0) {
      return Future.succeededFuture();
    }
    long[] near = nearWindow();
    List<String> created = new ArrayList<>();
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(PARTITION_LOCK))
        .compose(r -> conn.preparedQuery(CREATE_PARTITIONS).execute(Tuple.of(missing, near[0], near[1])))
        .compose(rows -> {
          for (Row row : rows) {
            if (row.getString(0) != null) {
              created.add(row.getString(0));
            }
          }
          return partitions(conn);
        }))
      .map(partitions -> {
        know(partitions);
        if (!created.isEmpty()) {
          LOG.info("Created {} events partition(s): {}", created.size(), created.size() <= 10 ? created
            : created.subList(0, 10) + "…");
        }
        return null;
      });
  }

  @Override
  public Future<long[]> insert(List<Event> events) {
    List<Integer> firsts = new ArrayList<>(events.size());
    Set<String> seen = new HashSet<>();
    Set<Long> times = new TreeSet<>();
    for (int i = 0; i < events.size(); i++) {
      if (seen.add(events.get(i).eventId())) {
        firsts.add(i);
        times.add(placement(events.get(i).timestamp()));
      }
    }
    if (firsts.isEmpty()) {
      long[] seqs = new long[events.size()];
      Arrays.fill(seqs, -1);
      return Future.succeededFuture(seqs);
    }
    return createPartitions(times).compose(v -> commit(events, firsts))
      .recover(e -> {
        if (!missingPartition(e)) {
          return Future.failedFuture(e);
        }
        // Another node dropped a partition this node still knew (retention): learn the partitions
        // again and make the missing ones, once.
        return loadPartitions().compose(v -> createPartitions(times)).compose(v -> commit(events, firsts));
      })
      .onSuccess(v -> lastWriteError = null)
      .onSuccess(v -> {
        if (outbox != null) {
          outbox.committed((int) java.util.Arrays.stream(v).filter(s -> s > 0).count());
        }
      })
      .onFailure(e -> lastWriteError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }

  private static boolean missingPartition(Throwable e) {
    return e instanceof PgException pg && "23514".equals(pg.getSqlState()) && String.valueOf(pg.getMessage()).contains("no partition");
  }

  /**
   * One transaction: {@code events_commit} takes the clock row, stores the events whose ids are new
   * and moves the clock, all on the server. Without the outbox it is the only statement, run
   * outside any explicit transaction: PostgreSQL commits it before answering (the client completes
   * a query on ReadyForQuery, sent after the commit), so the clock row is held for the function and
   * the flush of the commit only, with no round trip to this node in between. With the outbox, its
   * rows follow in the same transaction. The clock row is the first lock the function takes, as in
   * retention, so the two never deadlock.
   */
  private Future<long[]> commit(List<Event> events, List<Integer> firsts) {
    Tuple args = commitArgs(events, firsts);
    Future<RowSet<Row>> stored = outbox == null ? pool.preparedQuery(COMMIT_EVENTS).execute(args)
      : pool.withTransaction(conn -> conn.preparedQuery(COMMIT_EVENTS).execute(args)
        .compose(rows -> positions(events, firsts, rows)
          .compose(seqs -> outbox.enqueue(conn, events, seqs)).map(rows)));
    return stored.compose(rows -> positions(events, firsts, rows));
  }

  /**
   * The positions of {@code events} from the rows of {@code events_commit}: -1 for those stored
   * before (by any node) and for repeats of an id in the batch; the new ones follow each other
   * without a gap in batch order.
   */
  private static Future<long[]> positions(List<Event> events, List<Integer> firsts, RowSet<Row> rows) {
    long[] seqs = new long[events.size()];
    Arrays.fill(seqs, -1);
    Map<String, Long> claimed = new HashMap<>();
    for (Row row : rows) {
      claimed.put(row.getString(0), row.getLong(1));
    }
    long expected = -1;
    for (int index : firsts) {
      Long seq = claimed.get(events.get(index).eventId());
      if (seq != null) {
        if (expected >= 0 && seq != expected) {
          return Future.failedFuture(new IllegalStateException("positions would leave a gap at " + expected));
        }
        seqs[index] = seq;
        expected = seq + 1;
      }
    }
    return Future.succeededFuture(seqs);
  }

  /** The arguments of {@code events_commit}: one array per column, one element per id of the batch. */
  static Tuple commitArgs(List<Event> events, List<Integer> firsts) {
    int n = firsts.size();
    String[] eventId = new String[n];
    Long[] ts = new Long[n];
    String[] system = new String[n];
    String[] type = new String[n];
    Integer[] severity = new Integer[n];
    String[] title = new String[n];
    String[] description = new String[n];
    String[] correlation = new String[n];
    String[] component = new String[n];
    Long[] duration = new Long[n];
    String[] data = new String[n];
    String[] tags = new String[n];
    String[] metadata = new String[n];
    String[] exact = new String[n];
    for (int k = 0; k < n; k++) {
      Event e = events.get(firsts.get(k));
      eventId[k] = e.eventId();
      ts[k] = e.timestamp();
      system[k] = e.sourceSystem();
      type[k] = e.eventType();
      severity[k] = e.severity().rank();
      title[k] = PgFilter.text(e.title());
      description[k] = PgFilter.text(e.description());
      correlation[k] = PgFilter.text(e.correlationId());
      component[k] = PgFilter.text(e.sourceComponent());
      duration[k] = e.durationMs();
      data[k] = e.data().encode();
      tags[k] = new JsonArray(e.tags().stream().map(PgFilter::text).toList()).encode();
      metadata[k] = e.metadata().encode();
      exact[k] = exact(e);
    }
    return Tuple.from(new Object[] {eventId, ts, system, type, severity, title, description, correlation, component,
      duration, data, tags, metadata, exact});
  }

  @Override
  public Future<JsonObject> get(String eventId) {
    return pool.preparedQuery(GET).execute(Tuple.of(PgFilter.text(eventId)))
      .map(rows -> {
        var it = rows.iterator();
        return it.hasNext() ? toJson(it.next()) : null;
      });
  }

  @Override
  public Future<List<JsonObject>> query(EventQuery query) {
    PgFilter filter = PgFilter.of(query);
    String text = pageText(query, filter);
    return pool.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
      List<JsonObject> events = new ArrayList<>(rows.size());
      for (Row row : rows) {
        events.add(toJson(row));
      }
      return events;
    });
  }

  /** The SQL of a page of {@code query}; its parameters are added to {@code filter}. */
  static String pageText(EventQuery query, PgFilter filter) {
    return "SELECT " + COLUMNS + " FROM events" + filter.whereClause() + PgFilter.orderBy(query)
      + " LIMIT " + filter.param((long) query.limit()) + " OFFSET " + filter.param((long) query.offset());
  }

  /** The SQL of the events after position {@code seq} matching {@code filter}, at most {@code max + 1}. */
  static String afterText(long seq, int max, PgFilter filter) {
    filter.clause("seq > " + filter.param(seq));
    return "SELECT " + COLUMNS + " FROM events" + filter.whereClause() + " ORDER BY seq LIMIT " + filter.param((long) max + 1);
  }

  /** The SQL of one event by id ({@code $1}): ts from {@code event_ids} prunes events to one partition. */
  static final String GET = "SELECT " + COLUMNS + " FROM events WHERE event_id = $1"
    + " AND ts = (SELECT ts FROM event_ids WHERE event_id = $1)";

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
  public Future<List<JsonObject>> afterPosition(long seq, EventQuery filterQuery, int max) {
    PgFilter filter = PgFilter.of(filterQuery);
    String text = afterText(seq, max, filter);
    return pool.preparedQuery(text).execute(Tuple.from(filter.params)).map(PgEventStore::withPositions);
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
    return pool.preparedQuery("SELECT seq FROM event_ids WHERE event_id = $1").execute(Tuple.of(PgFilter.text(eventId))).map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? it.next().getLong(0) : null;
    });
  }

  @Override
  public Future<List<JsonObject>> range(long afterSeq, long toSeq) {
    String text = "SELECT " + COLUMNS + " FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3";
    return pool.preparedQuery(text).execute(Tuple.of(afterSeq, toSeq, (long) RANGE_MAX)).map(PgEventStore::withPositions);
  }

  /**
   * Drops every partition entirely older than {@code before} (whatever its width; never
   * {@code events_from_2200}), removes their ids, then deletes up to {@code chunk} events older than
   * {@code before} row by row: those of the one partition holding times on both sides of it, a
   * day, a month, a year, a decade or {@code events_before_1970}. The answer is the number of
   * events deleted, dropped ones included, so it is below {@code chunk} only once nothing older than
   * {@code before} is left.
   */
  @Override
  public Future<Integer> deleteBefore(long before, int chunk) {
    long[] firstKept = {before};
    return partitions(pool).compose(partitions -> {
      Future<Long> dropped = Future.succeededFuture(0L);
      boolean any = false;
      for (Partition partition : partitions) {
        if (partition.end() != Long.MAX_VALUE && partition.end() <= before) {
          dropped = dropped.compose(sum -> dropPartition(partition.name()).map(n -> sum + n));
          any = true;
        } else if (partition.first() < before) {
          // The one partition holding times on both sides of the cutoff: ids below it are of
          // dropped partitions only.
          firstKept[0] = Math.min(firstKept[0], partition.first());
        }
      }
      return any ? dropped.compose(n -> loadPartitions().map(n)) : dropped;
    }).compose(dropped -> deleteDroppedIds(firstKept[0]).map(dropped))
      .compose(dropped -> deleteChunk(before, chunk).map(rows -> (int) Math.min(Integer.MAX_VALUE, dropped + rows)));
  }

  private Future<Long> dropPartition(String name) {
    if (!PARTITION_NAME.matcher(name).matches()) {
      return Future.failedFuture(new IllegalStateException("unexpected partition name " + name));
    }
    // The clock row first, as commits take it: no commit runs meanwhile, so the count is exact.
    return pool.withTransaction(conn -> conn.query(LOCK_CLOCK).execute()
      .compose(r -> conn.query("SELECT COUNT(*) FROM " + name).execute())
      .compose(rows -> {
        long n = rows.iterator().next().getLong(0);
        return conn.query("DROP TABLE " + name).execute()
          .compose(r -> conn.preparedQuery(ADD_TOTAL).execute(Tuple.of(-n)))
          .map(r -> n);
      }))
      .onSuccess(n -> LOG.info("Retention dropped partition {} ({} events)", name, n));
  }

  private Future<Void> deleteDroppedIds(long firstKept) {
    return pool.withTransaction(conn -> conn.query(LOCK_CLOCK).execute()
        .compose(r -> conn.preparedQuery(DELETE_DROPPED_IDS).execute(Tuple.of(firstKept, (long) ID_CHUNK))))
      .compose(rows -> rows.rowCount() < ID_CHUNK ? Future.succeededFuture() : deleteDroppedIds(firstKept));
  }

  private Future<Long> deleteChunk(long before, int chunk) {
    return pool.withTransaction(conn -> conn.query(LOCK_CLOCK).execute()
      .compose(r -> conn.preparedQuery(DELETE_CHUNK).execute(Tuple.of(before, (long) chunk)))
      .compose(rows -> {
        long deleted = rows.iterator().next().getLong(0);
        return deleted == 0 ? Future.succeededFuture(0L)
          : conn.preparedQuery(ADD_TOTAL).execute(Tuple.of(-deleted)).map(r -> deleted);
      }));
  }

  @Override
  public Future<Integer> deleteBefore(long before, int chunk, String system) {
    return pool.withTransaction(conn -> conn.query(LOCK_CLOCK).execute()
      .compose(r -> conn.preparedQuery(DELETE_SYSTEM_CHUNK).execute(Tuple.of(before, (long) chunk, system)))
      .compose(rows -> {
        long deleted = rows.iterator().next().getLong(0);
        return deleted == 0 ? Future.succeededFuture(0)
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

  /** The exact values of the text fields (and tags) holding U+0000, as JSON (which escapes it), or null. */
  static String exact(Event e) {
    JsonObject exact = new JsonObject();
    String[][] fields = {{"title", e.title()}, {"description", e.description()}, {"correlation_id", e.correlationId()},
      {"source_component", e.sourceComponent()}};
    for (String[] field : fields) {
      if (field[1] != null && field[1].indexOf('\u0000') >= 0) {
        exact.put(field[0], field[1]);
      }
    }
    if (e.tags().stream().anyMatch(tag -> tag.indexOf('\u0000') >= 0)) {
      exact.put("tags", new JsonArray(e.tags()));
    }
    return exact.isEmpty() ? null : exact.encode();
  }

  static JsonObject toJson(Row row) {
    Object duration = row.getValue(10);
    JsonObject event = new JsonObject()
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
      .put("tags", new JsonArray(List.of(row.getArrayOfStrings(12))))
      .put("metadata", new JsonObject(row.getString(13)));
    String exact = row.getString(14);
    if (exact != null) {
      new JsonObject(exact).forEach(field -> event.put(field.getKey(), field.getValue()));
    }
    return event;
  }

  @Override
  public Future<Void> close() {
    if (partitionTimer >= 0) {
      vertx.cancelTimer(partitionTimer);
      partitionTimer = -1;
    }
    Pool open = pool;
    pool = null;
    return open == null ? Future.succeededFuture() : open.close();
  }
}
