package org.eventcollector.storage;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventQuery;
import org.eventcollector.event.QueryParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.eventcollector.TestCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plans of the queries the PostgreSQL store sends, over ten daily partitions filled straight
 * in SQL and analysed: each is served by the index made for it, without a sort, and a time range
 * reads only the partitions it covers. See docs/postgres-plans.md for the measured plans.
 */
@ExtendWith(PostgresServer.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresPlanTest {

  /** Each partition index with the index of the partitioned table it belongs to. */
  static final String PARTITION_INDEXES = "SELECT c.relname, p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    + " JOIN pg_class p ON p.oid = i.inhparent WHERE c.relkind = 'i'";
  private static final long DAY = PgEventStore.DAY;
  private static final int ROWS = 30_000;

  private Vertx vertx;
  private Pool admin;
  private PgEventStore store;
  private long firstDay;
  private final Map<String, String> parents = new HashMap<>();
  private final QueryParser parser = new QueryParser(Set.of("mahavishnu", "crackerjack", "session_buddy", "akosha", "oneiric"));

  @BeforeAll
  void tenDaysOfEvents() {
    vertx = Vertx.vertx();
    String url = PostgresServer.get().newDatabase();
    store = new PgEventStore(vertx, url, PostgresServer.PASSWORD, 2);
    await(store.open());
    admin = PostgresServer.connect(vertx, url);
    firstDay = PgEventStore.day(System.currentTimeMillis()) - 9;
    sql(fill(firstDay, ROWS));
    sql("ANALYZE");
    for (Row row : sql(PARTITION_INDEXES)) {
      parents.put(row.getString(0), row.getString(1));
    }
  }

  /** SQL filling ten days from {@code firstDay} with {@code rows} events, spread evenly in time. */
  static String fill(long firstDay, int rows) {
    long start = firstDay * DAY;
    long step = 10 * DAY / rows;
    return "SELECT events_partition_create(d * " + DAY + ", " + firstDay + ", " + (firstDay + 9) + ")"
      + " FROM generate_series(" + firstDay + "::bigint, " + (firstDay + 9) + "::bigint) d;"
      + " INSERT INTO events (seq, event_id, ts, source_system, event_type, severity, title, description, correlation_id,"
      + " source_component, duration_ms, data, tags, metadata, exact)"
      + " SELECT g, 'id-' || g, " + start + " + g * " + step + ","
      + " CASE WHEN g % 100 = 0 THEN 'oneiric' ELSE (ARRAY['mahavishnu','crackerjack','session_buddy','akosha'])[1 + g % 4] END,"
      + " 'type.' || (g % 20), CASE WHEN g % 200 = 0 THEN 4 ELSE g % 4 END,"
      + " 'task ' || md5(g::text), 'workflow step ' || (g % 1000) || CASE WHEN g % 997 = 0 THEN ' rarething' ELSE '' END,"
      + " CASE WHEN g % 50 = 0 THEN 'corr-' || (g / 500) END, 'component-' || (g % 7), g % 3000, '{}',"
      + " ARRAY['tag-' || (g % 10), CASE WHEN g % 1000 = 0 THEN 'rare' ELSE 'common' END], '{}', NULL"
      + " FROM generate_series(1, " + rows + ") g;"
      + " INSERT INTO event_ids (event_id, ts, seq) SELECT event_id, ts, seq FROM events;"
      + " UPDATE commit_clock SET last_seq = " + rows + ", total_events = " + rows + " WHERE id = 1;";
  }

  @AfterAll
  void close() {
    await(store.close());
    await(admin.close());
    await(vertx.close());
  }

  private io.vertx.sqlclient.RowSet<Row> sql(String text) {
    return await(admin.query(text).execute());
  }

  private List<JsonObject> plan(String text, List<Object> params, boolean analyze) {
    return plan(text, params, analyze, true);
  }

  /**
   * The plan as a list of nodes, depth first. Without {@code seqscan}, sequential scans are made
   * dear: over this small table they may be cheapest, and the question is whether an index serves.
   */
  private List<JsonObject> plan(String text, List<Object> params, boolean analyze, boolean seqscan) {
    Row row = await(admin.withConnection(conn -> conn.query("SET enable_seqscan = " + (seqscan ? "on" : "off")).execute()
      .compose(v -> conn.preparedQuery("EXPLAIN (" + (analyze ? "ANALYZE, " : "") + "FORMAT JSON) " + text)
        .execute(Tuple.from(params))))).iterator().next();
    Object json = row.getValue(0);
    JsonArray top = json instanceof JsonArray array ? array : new JsonArray(String.valueOf(json));
    List<JsonObject> nodes = new ArrayList<>();
    collect(top.getJsonObject(0).getJsonObject("Plan"), nodes);
    return nodes;
  }

  private static void collect(JsonObject node, List<JsonObject> into) {
    into.add(node);
    JsonArray children = node.getJsonArray("Plans");
    if (children != null) {
      children.forEach(child -> collect((JsonObject) child, into));
    }
  }

  private List<JsonObject> planOfPage(JsonObject filter) {
    return planOfPage(filter, true);
  }

  private List<JsonObject> planOfPage(JsonObject filter, boolean seqscan) {
    EventQuery query = parser.parse(filter, System.currentTimeMillis());
    PgFilter where = PgFilter.of(query);
    String text = PgEventStore.pageText(query, where);
    return plan(text, where.params, false, seqscan);
  }

  /**
   * The indexes of the partitioned table that the plan reads in the partitions holding the events,
   * by their parent's name (the partitions of the coming days are empty, without statistics).
   */
  private Set<String> indexes(List<JsonObject> nodes) {
    Set<String> names = new TreeSet<>();
    String last = partition(firstDay + 9);
    for (JsonObject node : nodes) {
      String relation = node.getString("Relation Name");
      if (relation != null && relation.startsWith("events_") && relation.compareTo(last) > 0) {
        continue;
      }
      String index = node.getString("Index Name");
      if (index != null) {
        names.add(parents.getOrDefault(index, index));
      }
    }
    return names;
  }

  private static Set<String> tables(List<JsonObject> nodes) {
    Set<String> names = new TreeSet<>();
    nodes.forEach(node -> {
      if (node.getString("Relation Name") != null) {
        names.add(node.getString("Relation Name"));
      }
    });
    return names;
  }

  private static List<String> types(List<JsonObject> nodes) {
    return nodes.stream().map(n -> n.getString("Node Type")).toList();
  }

  private static String partition(long day) {
    return "events_" + java.time.LocalDate.ofEpochDay(day).format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
  }

  @Test
  void theNewestPageReadsThePartitionsInTimeOrderThroughTheirTsIndexWithoutASort() {
    List<JsonObject> nodes = planOfPage(new JsonObject().put("limit", 100));
    assertEquals("Limit", nodes.get(0).getString("Node Type"));
    assertFalse(types(nodes).contains("Sort"), types(nodes).toString());
    assertTrue(types(nodes).contains("Append") || types(nodes).contains("Merge Append"), types(nodes).toString());
    assertEquals(Set.of("events_ts"), indexes(nodes));
  }

  @Test
  void aTimeRangeReadsOnlyThePartitionsOfItsDays() {
    JsonObject range = new JsonObject().put("limit", 100)
      .put("start_time", Event.formatTime((firstDay + 3) * DAY + 3_600_000L))
      .put("end_time", Event.formatTime((firstDay + 4) * DAY + 7_200_000L));
    List<JsonObject> nodes = planOfPage(range);
    assertEquals(Set.of(partition(firstDay + 3), partition(firstDay + 4)), tables(nodes));
    assertFalse(types(nodes).contains("Sort"), types(nodes).toString());
    List<JsonObject> system = planOfPage(range.copy().put("source_system", "akosha"));
    assertEquals(Set.of(partition(firstDay + 3), partition(firstDay + 4)), tables(system));
  }

  @Test
  void filtersUseTheIndexesMadeForThem() {
    List<JsonObject> bySystem = planOfPage(new JsonObject().put("source_system", "oneiric").put("limit", 100));
    assertEquals(Set.of("events_system_ts"), indexes(bySystem));
    assertFalse(types(bySystem).contains("Sort"), types(bySystem).toString());
    List<JsonObject> bySeverity = planOfPage(new JsonObject().put("severity", "critical").put("limit", 100));
    assertTrue(indexes(bySeverity).contains("events_severity_ts"), indexes(bySeverity).toString());
    assertFalse(types(bySeverity).contains("Sort"), types(bySeverity).toString());
    assertEquals(Set.of("events_tags"), indexes(planOfPage(new JsonObject().put("tags", "rare").put("limit", 100), false)));
    assertEquals(Set.of("events_tags"), indexes(planOfPage(new JsonObject().put("any_tags", "rare,never").put("limit", 100), false)));
    // A page of a search may walk events_ts newest first over so few rows; the count cannot.
    PgFilter search = PgFilter.of(parser.parse(new JsonObject().put("search", "rarething"), System.currentTimeMillis()));
    assertEquals(Set.of("events_text_trgm"), indexes(plan("SELECT COUNT(*) FROM events" + search.whereClause(),
      search.params, false, false)));
    EventQuery trace = parser.parse(new JsonObject().put("correlation_id", "corr-7"), System.currentTimeMillis())
      .withPage(1000, 0, EventQuery.SortField.TIMESTAMP, true);
    PgFilter where = PgFilter.of(trace);
    assertEquals(Set.of("events_correlation_ts"), indexes(plan(PgEventStore.pageText(trace, where), where.params, false)));
  }

  @Test
  void resumingAfterAPositionMergesThePartitionSeqIndexes() {
    PgFilter where = PgFilter.of(EventQuery.all(1));
    List<JsonObject> nodes = plan(PgEventStore.afterText(ROWS - 500, 100, where), where.params, false);
    assertEquals(Set.of("events_seq"), indexes(nodes));
    assertTrue(types(nodes).contains("Merge Append"), types(nodes).toString());
    assertFalse(types(nodes).contains("Sort"), types(nodes).toString());
  }

  @Test
  void anEventByIdIsReadFromTheOnePartitionItsTsNames() {
    List<JsonObject> nodes = plan(PgEventStore.GET, List.of("id-12345"), true);
    assertTrue(indexes(nodes).contains("event_ids_pkey"), indexes(nodes).toString());
    List<String> executed = nodes.stream()
      .filter(n -> n.getString("Relation Name") != null && n.getString("Relation Name").startsWith("events_"))
      .filter(n -> n.getLong("Actual Loops", 0L) > 0)
      .map(n -> n.getString("Relation Name")).toList();
    assertEquals(1, executed.size(), "partitions read: " + executed);
    assertEquals("task " + md5("12345"), await(store.get("id-12345")).getString("title"));
  }

  @Test
  void theStoresConnectionsPlanEveryExecutionOfASearchForItsOwnTerms() {
    // A generic plan cannot know how common a term is; over a large table it takes the trigram
    // index for every term and sorts all matches (see README, PostgreSQL, "Plans").
    assertEquals("force_custom_plan", await(store.pool().query("SHOW plan_cache_mode").execute()).iterator().next()
      .getString(0));
    EventQuery query = parser.parse(new JsonObject().put("search", md5("12345").substring(0, 12)).put("limit", 100),
      System.currentTimeMillis());
    PgFilter where = PgFilter.of(query);
    String text = PgEventStore.pageText(query, where);
    Row plans = await(store.pool().withConnection(conn -> {
      io.vertx.core.Future<?> runs = io.vertx.core.Future.succeededFuture();
      for (int i = 0; i < 7; i++) {
        runs = runs.compose(v -> conn.preparedQuery(text).execute(Tuple.from(where.params)));
      }
      return runs.compose(v -> conn.preparedQuery("SELECT generic_plans, custom_plans FROM pg_prepared_statements"
        + " WHERE statement = $1").execute(Tuple.of(text)));
    })).iterator().next();
    assertEquals(0L, plans.getLong(0), "generic plans");
    assertEquals(7L, plans.getLong(1), "custom plans");
  }

  private static String md5(String text) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("MD5").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
