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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * PostgreSQL written straight through vertx-pg-client and nothing else, into the collector's own
 * schema (created by the collector's store, whatever its version): the limit for batched ingest,
 * and the fast fill for the query scenario. Each batch is one transaction of multi-row
 * {@code INSERT}s of the same columns the store writes, into {@code events} and, where the
 * schema has it, {@code event_tags}. The columns are read from the database, so the rows follow
 * the schema as it is.
 */
final class PlainPg implements AutoCloseable {

  /** PostgreSQL's limit of bind parameters in one statement. */
  private static final int MAX_PARAMS = 65_535;

  private final Pool pool;
  private final Table events;
  private final Table tags;

  private PlainPg(Pool pool, Table events, Table tags) {
    this.pool = pool;
    this.events = events;
    this.tags = tags;
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
      Table events = Table.read(pool, "events");
      if (events == null) {
        throw new IllegalStateException("the collector's schema has no table events");
      }
      return new PlainPg(pool, events, Table.read(pool, "event_tags"));
    } catch (Exception e) {
      pool.close();
      throw e;
    }
  }

  /** What a row of the limit holds: the tables and columns written. */
  String describe() {
    return "events (" + String.join(", ", events.columns) + ")" + (tags == null ? "" : " and event_tags ("
      + String.join(", ", tags.columns) + ")");
  }

  /**
   * Events/s of batches of {@code batchSize}, {@code lanes} transactions in flight at once on as
   * many connections, each batch its own transaction, until {@code events} or {@code maxSeconds}.
   */
  Load.Outcome batchedInsertRate(Vertx vertx, int batchSize, int lanes, long events, double maxSeconds, Latencies latencies)
    throws Exception {
    long calls = Math.max(1, events / batchSize);
    long now = System.currentTimeMillis();
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
   * timestamps of {@link PlainJdbc#timestamp}. For speed the indexes that back no constraint are
   * dropped while rows go in, then built again from their own definitions, so the database ends
   * with exactly the store's schema; the commit clock, where the schema has one, is moved past the
   * filled positions so that the collector goes on after them.
   */
  void fill(Vertx vertx, long from, long to, long end) throws Exception {
    List<String[]> indexes = new ArrayList<>();
    for (Row row : Load.await(pool.query("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
      + " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
      + " WHERE t.relname IN ('events', 'event_tags') AND t.relnamespace = current_schema()::regnamespace"
      + " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)").execute(), 60)) {
      // A partitioned table's index reads "ON ONLY"; built again, it must cover the partitions too.
      indexes.add(new String[] {row.getString(0), row.getString(1).replace(" ON ONLY ", " ON ")});
    }
    for (String[] index : indexes) {
      Load.await(pool.query("DROP INDEX " + index[0]).execute(), 120);
    }
    int rows = Math.max(1, Math.min(4_000, (MAX_PARAMS / events.columns.size())));
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
      Load.await(pool.query("UPDATE commit_clock SET total_events = (SELECT COUNT(*) FROM events)").execute(), 300);
    }
    Load.await(pool.query("ANALYZE").execute(), 600);
  }

  private interface Timestamps {
    long of(int k);
  }

  /** One transaction: the batch into {@code events}, its tags into {@code event_tags}; positions from {@code firstSeq}. */
  private Future<?> insert(List<JsonObject> batch, long firstSeq, Timestamps ts) {
    List<Object[]> eventRows = new ArrayList<>(batch.size());
    List<Object[]> tagRows = new ArrayList<>();
    for (int k = 0; k < batch.size(); k++) {
      JsonObject e = batch.get(k);
      long seq = firstSeq + k;
      long at = ts.of(k);
      eventRows.add(events.values(e, seq, at, null));
      if (tags != null) {
        for (Object tag : new LinkedHashSet<>(e.getJsonArray("tags").getList())) {
          tagRows.add(tags.values(e, seq, at, (String) tag));
        }
      }
    }
    return pool.withTransaction(conn -> events.insert(conn, eventRows).compose(v -> tags == null || tagRows.isEmpty()
      ? Future.succeededFuture() : tags.insert(conn, tagRows)));
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
