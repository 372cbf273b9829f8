package org.eventcollector.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.eventcollector.MainVerticle;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.eventcollector.event.Severity;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * PostgreSQL written straight through vertx-pg-client and nothing else, into the collector's own
 * schema (created by the collector's store): the limit for batched ingest, and the fast fill for
 * the query scenario. Each batch is one transaction of multi-row {@code INSERT}s of the rows the
 * store writes: the ids with their times and positions into {@code event_ids}, the events (tags as
 * {@code text[]}) into the partitions of {@code events}, which are created first through the
 * schema's own {@code events_partition_create}. The columns are read from the database, so the
 * rows follow the schema as it is. Unlike the store, a batch takes no lock on
 * {@code commit_clock} (its positions are counted here) and does not check its ids against those
 * stored before: the limit is the cost of the rows and their indexes alone.
 */
final class PlainPg implements AutoCloseable {

  /** PostgreSQL's limit of bind parameters in one statement. */
  private static final int MAX_PARAMS = 65_535;
  static final long DAY = 86_400_000L;
  /** The key of the advisory lock the store takes to create partitions ({@code PgEventStore.PARTITION_LOCK}). */
  static final long PARTITION_LOCK = 0x4543_5041_5254_4954L;
  /** The store's {@code PgEventStore.NEAR_DAYS}. */
  static final long NEAR_DAYS = 7;
  /** The tables a stored event has rows in, in the order the store writes them; those the schema has. */
  private static final List<String> TABLES = List.of("event_ids", "events", "event_tags");

  private final Pool pool;
  private final List<Table> tables;
  /** Days (since 1970-01-01, UTC) whose partition this writer has made sure of. */
  private final Set<Long> partitionDays = new HashSet<>();

  private PlainPg(Pool pool, List<Table> tables) {
    this.pool = pool;
    this.tables = tables;
  }

  /**
   * Creates the collector's schema in the database at {@code url} the way a storage node does (a
   * storage-only collector deployed in {@code vertx}, then undeployed), and connects to it.
   */
  static PlainPg open(Vertx vertx, String url, String password, int connections) throws Exception {
    JsonObject config = Defaults.config();
    Config.set(config, ConfigKeys.ROLES, new JsonArray().add("storage"));
    Config.set(config, ConfigKeys.Http.HOST, "127.0.0.1");
    Config.set(config, ConfigKeys.Http.PORT, 0);
    Config.set(config, ConfigKeys.Storage.BACKEND, "postgres");
    Config.set(config, ConfigKeys.Storage.PG_URL, url);
    Config.set(config, ConfigKeys.Storage.PG_PASSWORD, password);
    String id = Load.await(vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)), 120);
    Load.await(vertx.undeploy(id), 60);
    PgConnectOptions connect = PgConnectOptions.fromUri(url).setPassword(password).setCachePreparedStatements(true);
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(Math.max(1, connections)))
      .connectingTo(connect).using(vertx).build();
    try {
      List<Table> tables = new ArrayList<>();
      for (String name : TABLES) {
        Table table = Table.read(pool, name);
        if (table != null) {
          tables.add(table);
        }
      }
      if (tables.stream().noneMatch(t -> t.name.equals("events"))) {
        throw new IllegalStateException("the collector's schema has no table events");
      }
      return new PlainPg(pool, tables);
    } catch (Exception e) {
      pool.close();
      throw e;
    }
  }

  /** What a row of the limit holds: the tables and columns written. */
  String describe() {
    return String.join(" and ", tables.stream().map(t -> t.name + " (" + String.join(", ", t.columns) + ")").toList());
  }

  /**
   * Makes sure {@code events} has a partition for each of {@code days} (since 1970-01-01, UTC), as
   * the store does before a commit: in a transaction of its own under the store's advisory lock,
   * through the schema's {@code events_partition_create} with the store's near window (days from
   * {@link #NEAR_DAYS} before today to as many after the last one made ahead get a partition of
   * their own), which leaves a time that a partition holds already alone.
   */
  private void createPartitions(Set<Long> days) throws Exception {
    Long[] missing = days.stream().filter(d -> !partitionDays.contains(d)).sorted().map(d -> d * DAY).toArray(Long[]::new);
    if (missing.length == 0) {
      return;
    }
    long today = Math.floorDiv(System.currentTimeMillis(), DAY);
    long ahead = Math.max(0, Config.integer(Defaults.config(), ConfigKeys.Storage.PG_PARTITIONS_AHEAD, 3));
    Load.await(pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)")
      .execute(Tuple.of(PARTITION_LOCK))
      .compose(r -> conn.preparedQuery("SELECT events_partition_create(t, $2, $3) FROM unnest($1::bigint[]) AS t")
        .execute(Tuple.of(missing, today - NEAR_DAYS, today + ahead + NEAR_DAYS)))), 120);
    for (Long t : missing) {
      partitionDays.add(t / DAY);
    }
  }

  /**
   * Events/s of batches of {@code batchSize}, {@code lanes} transactions in flight at once on as
   * many connections, each batch its own transaction, until {@code events} or {@code maxSeconds}.
   */
  Load.Outcome batchedInsertRate(Vertx vertx, int batchSize, int lanes, long events, double maxSeconds, Latencies latencies)
    throws Exception {
    long calls = Math.max(1, events / batchSize);
    long now = System.currentTimeMillis();
    createPartitions(Set.of(Math.floorDiv(now, DAY)));
    return Load.run(vertx, lanes, calls, maxSeconds, i -> {
      List<JsonObject> batch = new ArrayList<>(batchSize);
      for (int k = 0; k < batchSize; k++) {
        batch.add(Events.event("pg-" + (i * batchSize + k), i * batchSize + k));
      }
      return insert(batch, i * batchSize + 1, k -> now);
    }, latencies);
  }

  /**
   * Fills events {@code from} (inclusive) to {@code to} (exclusive) with ids {@code q-<i>} and the
   * timestamps of {@link PlainJdbc#timestamp}, in the partitions of their days (created first).
   * For speed the indexes that back no constraint are dropped while rows go in, then built again
   * from their own definitions, so the database ends with exactly the store's schema; the commit
   * clock is moved past the filled positions so that the collector goes on after them; then the
   * database is vacuumed and analysed.
   */
  void fill(Vertx vertx, long from, long to, long end) throws Exception {
    Set<Long> days = new TreeSet<>();
    for (long n = from; n < to; n++) {
      days.add(Math.floorDiv(PlainJdbc.timestamp(n, end), DAY));
    }
    createPartitions(days);
    List<String[]> indexes = new ArrayList<>();
    for (Row row : Load.await(pool.query("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
      + " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
      + " WHERE t.relname IN ('events', 'event_ids', 'event_tags') AND t.relnamespace = current_schema()::regnamespace"
      + " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)").execute(), 60)) {
      // A partitioned table's index reads "ON ONLY"; built again, it must cover the partitions too.
      indexes.add(new String[] {row.getString(0), row.getString(1).replace(" ON ONLY ", " ON ")});
    }
    for (String[] index : indexes) {
      Load.await(pool.query("DROP INDEX " + index[0]).execute(), 120);
    }
    int columns = tables.stream().mapToInt(t -> t.columns.size()).max().orElse(1);
    int rows = Math.max(1, Math.min(4_000, MAX_PARAMS / columns));
    long calls = (to - from + rows - 1) / rows;
    Load.Outcome filled = Load.run(vertx, 2, calls, 3_600, i -> {
      long first = from + i * rows;
      long last = Math.min(to, first + rows);
      List<JsonObject> batch = new ArrayList<>((int) (last - first));
      for (long n = first; n < last; n++) {
        batch.add(Events.event(String.format(Locale.ROOT, "q-%010d", n), n));
      }
      return insert(batch, first + 1, k -> PlainJdbc.timestamp(first + k, end));
    }, null);
    if (filled.failed() > 0) {
      throw new IllegalStateException("filling PostgreSQL failed: " + filled.firstError());
    }
    Load.Outcome built = Load.run(vertx, 2, indexes.size(), 3_600, i -> pool.withConnection(conn ->
      conn.query("SET maintenance_work_mem = '256MB'").execute()
        .compose(r -> conn.query(indexes.get((int) i)[1]).execute())), null);
    if (built.failed() > 0) {
      throw new IllegalStateException("rebuilding the indexes failed: " + built.firstError());
    }
    Set<String> clock = Table.columnNames(pool, "commit_clock");
    if (clock.contains("last_seq")) {
      Load.await(pool.preparedQuery("UPDATE commit_clock SET last_seq = GREATEST(last_seq, $1)").execute(Tuple.of(to)), 60);
    }
    if (clock.contains("total_events")) {
      Load.await(pool.query("UPDATE commit_clock SET total_events = (SELECT COUNT(*) FROM events)").execute(), 600);
    }
    // As autovacuum would soon after: statistics, and a visibility map for index-only scans, so that
    // the first queries after a fill do not depend on when autovacuum comes by.
    Load.await(pool.query("VACUUM (ANALYZE)").execute(), 600);
  }

  private interface Timestamps {
    long of(int k);
  }

  /**
   * One transaction: the rows of the batch in each table, one multi-row {@code INSERT} per table
   * (and per parameter limit); positions from {@code firstSeq}.
   */
  private Future<?> insert(List<JsonObject> batch, long firstSeq, Timestamps ts) {
    List<List<Object[]>> rows = new ArrayList<>();
    for (Table table : tables) {
      List<Object[]> tableRows = new ArrayList<>(batch.size());
      for (int k = 0; k < batch.size(); k++) {
        JsonObject e = batch.get(k);
        long seq = firstSeq + k;
        long at = ts.of(k);
        if (table.columns.contains("tag")) {
          for (Object tag : new LinkedHashSet<>(e.getJsonArray("tags").getList())) {
            tableRows.add(table.values(e, seq, at, (String) tag));
          }
        } else {
          tableRows.add(table.values(e, seq, at, null));
        }
      }
      rows.add(tableRows);
    }
    return pool.withTransaction(conn -> {
      Future<Void> done = Future.succeededFuture();
      for (int t = 0; t < tables.size(); t++) {
        Table table = tables.get(t);
        List<Object[]> tableRows = rows.get(t);
        done = done.compose(v -> tableRows.isEmpty() ? Future.succeededFuture() : table.insert(conn, tableRows));
      }
      return done;
    });
  }

  @Override
  public void close() throws Exception {
    Load.await(pool.close(), 30);
  }

  /** A table of the collector's schema: the columns a row of the benchmark fills, and how each is bound. */
  private static final class Table {

    private final String name;
    private final List<String> columns = new ArrayList<>();
    private final List<String> types = new ArrayList<>();

    private Table(String name) {
      this.name = name;
    }

    static Set<String> columnNames(SqlClient client, String table) throws Exception {
      Set<String> names = new LinkedHashSet<>();
      for (Row row : Load.await(client.preparedQuery("SELECT column_name FROM information_schema.columns"
        + " WHERE table_schema = current_schema() AND table_name = $1").execute(Tuple.of(table)), 60)) {
        names.add(row.getString(0));
      }
      return names;
    }

    /** The table's columns the benchmark knows how to fill; null when there is no such table. */
    static Table read(SqlClient client, String name) throws Exception {
      Table table = new Table(name);
      var rows = Load.await(client.preparedQuery("SELECT column_name, data_type, udt_name, is_nullable,"
        + " column_default IS NOT NULL OR is_identity = 'YES' OR is_generated <> 'NEVER'"
        + " FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
        + " ORDER BY ordinal_position").execute(Tuple.of(name)), 60);
      if (rows.size() == 0) {
        return null;
      }
      for (Row row : rows) {
        String column = row.getString(0);
        String type = row.getString(1);
        String udt = row.getString(2);
        boolean optional = "YES".equals(row.getString(3)) || row.getBoolean(4);
        boolean known = switch (column) {
          case "event_id", "ts", "source_system", "event_type", "severity", "title", "description", "correlation_id",
               "source_component", "duration_ms", "data", "tags", "metadata", "tag" -> true;
          // Positions the schema hands out itself are left to it.
          case "seq" -> !row.getBoolean(4);
          default -> false;
        };
        if (!known) {
          if (optional) {
            continue;
          }
          throw new IllegalStateException("column " + name + "." + column + " (" + type + ") is required and unknown to the benchmark");
        }
        table.columns.add(column);
        table.types.add(cast(type, udt));
      }
      return table;
    }

    /** How a value is bound: as one of a few client types, then cast to the column's own type. */
    private static String cast(String type, String udt) {
      return switch (type) {
        case "bigint", "integer", "smallint" -> "bigint";
        case "text", "character varying" -> "text";
        case "ARRAY" -> "text[]";
        case "timestamp with time zone", "timestamp without time zone" -> "timestamptz::" + udt;
        default -> "text::" + udt;
      };
    }

    Object[] values(JsonObject e, long seq, long ts, String tag) {
      Object[] values = new Object[columns.size()];
      for (int c = 0; c < values.length; c++) {
        String type = types.get(c);
        values[c] = switch (columns.get(c)) {
          case "seq" -> seq;
          case "event_id" -> e.getString("event_id");
          case "ts" -> type.startsWith("timestamptz") ? OffsetDateTime.ofInstant(Instant.ofEpochMilli(ts), ZoneOffset.UTC) : (Object) ts;
          case "severity" -> type.equals("bigint") ? (Object) (long) Severity.parse(e.getString("severity")).rank()
            : e.getString("severity");
          case "duration_ms" -> e.getLong("duration_ms");
          case "data", "metadata" -> e.getJsonObject(columns.get(c)).encode();
          case "tags" -> type.equals("text[]") ? e.getJsonArray("tags").getList().toArray(new String[0])
            : e.getJsonArray("tags").encode();
          case "tag" -> tag;
          default -> e.getString(columns.get(c));
        };
      }
      return values;
    }

    /** Multi-row {@code INSERT}s of {@code rows}, as many rows per statement as the parameter limit allows. */
    Future<Void> insert(SqlClient client, List<Object[]> rows) {
      int perStatement = Math.max(1, MAX_PARAMS / columns.size());
      Future<Void> done = Future.succeededFuture();
      for (int from = 0; from < rows.size(); from += perStatement) {
        List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + perStatement));
        done = done.compose(v -> {
          Tuple params = Tuple.tuple();
          chunk.forEach(row -> {
            for (Object value : row) {
              params.addValue(value);
            }
          });
          return client.preparedQuery(statement(chunk.size())).execute(params).mapEmpty();
        });
      }
      return done;
    }

    private String statement(int rows) {
      StringBuilder sql = new StringBuilder("INSERT INTO ").append(name).append(" (").append(String.join(", ", columns))
        .append(") VALUES ");
      int p = 1;
      for (int r = 0; r < rows; r++) {
        sql.append(r == 0 ? "(" : ", (");
        for (int c = 0; c < columns.size(); c++) {
          sql.append(c == 0 ? "" : ", ").append('$').append(p++).append("::").append(types.get(c));
        }
        sql.append(')');
      }
      return sql.toString();
    }
  }
}
