package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import org.eventcollector.TestCollector;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventQuery;
import org.eventcollector.event.QueryParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.eventcollector.TestCollector.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PostgreSQL store itself: schema and its versions, positions, retention chunks, indexes. */
@ExtendWith(PostgresServer.class)
class PostgresStoreTest {

  private Vertx vertx;
  private String url;
  private Pool admin;

  @BeforeEach
  void freshDatabase() {
    vertx = Vertx.vertx();
    url = PostgresServer.get().newDatabase();
    admin = PostgresServer.connect(vertx, url);
  }

  @AfterEach
  void close() {
    await(admin.close());
    await(vertx.close());
  }

  private PgEventStore open() {
    PgEventStore store = new PgEventStore(vertx, url, PostgresServer.PASSWORD, 2);
    await(store.open());
    return store;
  }

  private RowSet<Row> sql(String text) {
    return await(admin.query(text).execute());
  }

  private static Event event(String id, long ts, String... tags) {
    return Event.fromJson(new JsonObject().put("event_id", id).put("timestamp", Event.formatTime(ts))
      .put("source_system", "akosha").put("event_type", "t").put("severity", "info").put("title", "").put("description", "")
      .put("data", new JsonObject()).put("metadata", new JsonObject()).put("tags", new JsonArray(List.of(tags))));
  }

  @Test
  void createsTheVersionedSchemaOnFirstStartAndKeepsItsDataOnTheNext() {
    PgEventStore first = open();
    long[] seqs = await(first.insert(List.of(event("a", 1_000), event("b", 2_000, "x"))));
    assertArrayEquals(new long[] {1, 2}, seqs);
    await(first.close());
    assertEquals(PgEventStore.SCHEMA_VERSION, sql("SELECT MAX(version) FROM schema_version").iterator().next().getInteger(0));
    PgEventStore second = open();
    assertEquals(PgEventStore.SCHEMA_VERSION, sql("SELECT COUNT(*) FROM schema_version").iterator().next().getLong(0),
      "no version applied twice");
    assertEquals(2L, await(second.count(EventQuery.all(10))));
    assertEquals(3L, await(second.insert(List.of(event("c", 3_000))))[0], "positions continue after a restart");
    assertEquals(3L, await(second.health()).getLong("total_events"));
    assertEquals("postgres", await(second.health()).getString("storage_type"));
    await(second.close());
  }

  @Test
  void nodesStartingTogetherOnAnEmptyDatabaseMigrateItOnce() {
    List<PgEventStore> stores = new ArrayList<>();
    List<Future<Void>> opened = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      PgEventStore store = new PgEventStore(vertx, url, PostgresServer.PASSWORD, 1);
      stores.add(store);
      opened.add(store.open());
    }
    await(Future.all(opened));
    assertEquals(PgEventStore.SCHEMA_VERSION, sql("SELECT COUNT(*) FROM schema_version").iterator().next().getLong(0));
    stores.forEach(s -> await(s.close()));
  }

  @Test
  void refusesADatabaseFromANewerVersion() {
    await(open().close());
    sql("INSERT INTO schema_version (version) VALUES (" + (PgEventStore.SCHEMA_VERSION + 1) + ")");
    PgEventStore store = new PgEventStore(vertx, url, PostgresServer.PASSWORD, 1);
    Throwable failure = await(store.open().transform(ar -> Future.succeededFuture(ar.cause())));
    assertTrue(failure != null && failure.getMessage().contains("newer than this collector"), String.valueOf(failure));
    await(store.close());
  }

  @Test
  void reportsDuplicatesAgainstStoredEventsAndWithinOneCommit() {
    PgEventStore store = open();
    await(store.insert(List.of(event("a", 1_000))));
    long[] seqs = await(store.insert(List.of(event("a", 5_000), event("b", 2_000), event("b", 9_000), event("c", 3_000))));
    assertEquals(-1, seqs[0]);
    assertTrue(seqs[1] > 1);
    assertEquals(-1, seqs[2]);
    assertTrue(seqs[3] > seqs[1]);
    assertEquals(Event.formatTime(2_000), await(store.get("b")).getString("timestamp"), "the first version is kept");
    assertEquals(3L, await(store.health()).getLong("total_events"));
    await(store.close());
  }

  @Test
  void deletesOldEventsInBoundedChunksWithTheirIds() {
    PgEventStore store = open();
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      events.add(event("old-" + i, 1_000 + i, "t" + (i % 3)));
    }
    events.add(event("new", 100_000, "t0"));
    await(store.insert(events));
    assertEquals(10, await(store.deleteBefore(50_000, 10)));
    assertEquals(25, await(Retention.deleteAll(vertx, store, 50_000, 10)) + 10);
    assertEquals(0, await(store.deleteBefore(50_000, 10)));
    assertEquals(1L, await(store.count(EventQuery.all(10))));
    assertEquals(1L, sql("SELECT COUNT(*) FROM event_ids").iterator().next().getLong(0), "their ids went with them");
    assertEquals(1L, await(store.health()).getLong("total_events"));
    await(store.close());
  }

  @Test
  void unknownAfterIdIsNullAndAReplayIsCappedAtMaxPlusOne() {
    PgEventStore store = open();
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      events.add(event("e" + i, 1_000 - i, i % 2 == 0 ? "even" : "odd"));
    }
    await(store.insert(events));
    assertNull(await(store.after("missing", EventQuery.all(1), 100)));
    List<JsonObject> replay = await(store.after("e0", EventQuery.all(1), 3));
    assertEquals(List.of("e1", "e2", "e3", "e4"), replay.stream().map(e -> e.getString("event_id")).toList());
    EventQuery even = new QueryParser(Set.of("akosha")).parse(new JsonObject().put("tags", "even"), 0);
    assertEquals(List.of("e2", "e4", "e6", "e8"),
      await(store.after("e0", even, 100)).stream().map(e -> e.getString("event_id")).toList());
    await(store.close());
  }

  @Test
  void searchTreatsBackslashPercentAndUnderscoreAsLiteralCharacters() {
    PgEventStore store = open();
    Event paths = Event.fromJson(event("paths", 1_000).toJson().put("title", "Copied C:\\Temp\\x_1").put("description", "50% done"));
    Event plain = Event.fromJson(event("plain", 2_000).toJson().put("title", "Copied C:Tempxa1").put("description", "500 done"));
    await(store.insert(List.of(paths, plain)));
    QueryParser parser = new QueryParser(Set.of("akosha"));
    String[][] cases = {
      {"\\temp", "paths"}, {"c:\\", "paths"}, {"x_1", "paths"}, {"50%", "paths"}, {"0% d", "paths"},
      {"tempxa1", "plain"}, {"\\%", ""}, {"%", "paths"}, {"_", "paths"}, {"copied", "plain,paths"},
    };
    for (String[] c : cases) {
      EventQuery query = parser.parse(new JsonObject().put("search", c[0]), 0);
      String ids = String.join(",", await(store.query(query)).stream().map(e -> e.getString("event_id")).toList());
      assertEquals(c[1], ids, "search " + c[0]);
    }
    await(store.close());
  }

  @Test
  void keepsTextHoldingNulCharactersExactlyAndFindsIt() {
    PgEventStore store = open();
    JsonObject json = event("nul", 1_000, "t\u0000ag").toJson().put("title", "a\u0000b").put("description", "\u0000")
      .put("correlation_id", "c\u0000").put("source_component", "co\u0000mp").put("data", new JsonObject().put("k", "v\u0000"));
    await(store.insert(List.of(Event.fromJson(json), event("plain", 2_000))));
    JsonObject stored = await(store.get("nul"));
    for (String field : List.of("title", "description", "correlation_id", "source_component", "data", "tags")) {
      assertEquals(json.getValue(field), stored.getValue(field), field);
    }
    QueryParser parser = new QueryParser(Set.of("akosha"));
    for (JsonObject filter : List.of(new JsonObject().put("correlation_id", "c\u0000"), new JsonObject().put("tags", "t\u0000ag"),
      new JsonObject().put("source_component", "co\u0000mp"), new JsonObject().put("search", "a\u0000b"))) {
      List<JsonObject> found = await(store.query(parser.parse(filter, 0)));
      assertEquals(List.of("nul"), found.stream().map(e -> e.getString("event_id")).toList(), filter.encode());
      assertEquals("a\u0000b", found.get(0).getString("title"));
    }
    assertNull(await(store.get("nul\u0000")));
    assertNull(await(store.after("x\u0000", EventQuery.all(1), 10)));
    await(store.close());
  }

  @Test
  void searchAndFiltersAreServedByIndexes() {
    await(open().close());
    String[][] plans = {
      {"SELECT seq FROM events WHERE " + PgFilter.SEARCHED + " ILIKE '%workflow%' AND " + PgFilter.SEARCHED + " ILIKE '%done%'",
        "events_text_trgm"},
      {"SELECT seq FROM events WHERE source_system = 'akosha' ORDER BY ts DESC, event_id DESC LIMIT 10", "events_system_ts"},
      {"SELECT seq FROM events WHERE tags @> ARRAY['x']", "events_tags"},
      {"SELECT seq FROM events WHERE tags && ARRAY['x', 'y']", "events_tags"},
      {"SELECT seq FROM event_ids WHERE event_id = 'x'", "event_ids_pkey"},
    };
    RowSet<Row> indexes = sql(PostgresPlanTest.PARTITION_INDEXES);
    await(admin.withConnection((SqlConnection conn) -> conn.query("SET enable_seqscan = off").execute().compose(v -> {
      Future<Void> all = Future.succeededFuture();
      for (String[] plan : plans) {
        all = all.compose(x -> conn.query("EXPLAIN " + plan[0]).execute().map(rows -> {
          StringBuilder text = new StringBuilder();
          rows.forEach(r -> text.append(r.getString(0)).append('\n'));
          // Each partition has its own copy of an index of the partitioned table, named after it.
          String named = text.toString();
          for (Row index : indexes) {
            named = named.replace(" " + index.getString(0) + " ", " " + index.getString(1) + " ");
          }
          assertTrue(named.contains(" " + plan[1] + " "), plan[0] + " uses " + plan[1] + ":\n" + text);
          return null;
        }));
      }
      return all;
    })));
  }

  @Test
  void recoversWhenTheServerCutsItsConnectionsAndLosesNothingAcknowledged() {
    PgEventStore store = open();
    await(store.insert(List.of(event("before-cut", 1_000))));
    assertEquals(1L, await(store.count(EventQuery.all(10))));
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    // A call on a cut connection may fail once; the pool then opens new connections.
    long[] seqs = null;
    for (int attempt = 0; attempt < 10 && seqs == null; attempt++) {
      seqs = await(store.insert(List.of(event("after-cut", 2_000))).otherwise((long[]) null));
    }
    assertTrue(seqs != null && seqs[0] > 1, "a commit succeeds after the cut");
    assertEquals(2L, await(store.count(EventQuery.all(10))));
    assertEquals("healthy", await(store.health()).getString("status"));
    await(store.close());
  }

  @Test
  void aFailingCommitMakesHealthDegradedUntilACommitSucceeds() {
    PgEventStore store = open();
    sql("ALTER TABLE events ADD CONSTRAINT no_rejects CHECK (event_type <> 'rejected')");
    Throwable failure = await(store.insert(List.of(Event.fromJson(event("r", 1_000).toJson().put("event_type", "rejected"))))
      .transform(ar -> Future.succeededFuture(ar.cause())));
    assertTrue(failure != null, "the commit fails");
    JsonObject health = await(store.health());
    assertEquals("degraded", health.getString("status"));
    assertTrue(health.getString("last_write_error").contains("no_rejects"), health.encode());
    await(store.insert(List.of(event("ok", 2_000))));
    assertEquals("healthy", await(store.health()).getString("status"));
    assertEquals(1L, await(store.health()).getLong("total_events"), "the failed commit left nothing behind");
    await(store.close());
  }

  @Test
  void aNodeOnPostgresReportsItsStorageInHealth() {
    JsonObject config = TestCollector.config(java.nio.file.Path.of("/nonexistent"), "postgres");
    config = PostgresServer.get().configure(config);
    try (TestCollector node = TestCollector.start(config)) {
      node.ingest(new JsonObject().put("source_system", "akosha").put("event_type", "t"));
      TestCollector.Response health = node.get("/health");
      assertEquals(200, health.status(), health.toString());
      JsonObject storage = health.json().getJsonObject("storage");
      assertEquals("postgres", storage.getString("storage_type"));
      assertEquals(1L, storage.getLong("total_events"));
      assertEquals("PostgresEventStorage", health.json().getJsonObject("collector").getString("storage_type"));
      assertTrue(!health.toString().contains(PostgresServer.PASSWORD), "no password in /health");
    }
  }

  @Test
  void anUnreachableServerFailsTheOpenWithAClearCause() {
    PgEventStore store = new PgEventStore(vertx, "postgresql://nobody@127.0.0.1:1/none", "", 1);
    Throwable failure = await(store.open().transform(ar -> Future.succeededFuture(ar.cause())));
    assertTrue(failure != null && failure.getMessage().contains("127.0.0.1:1/none"), String.valueOf(failure));
    PgEventStore unset = new PgEventStore(vertx, "", "", 1);
    Throwable missing = await(unset.open().transform(ar -> Future.succeededFuture(ar.cause())));
    assertTrue(missing != null && missing.getMessage().contains("EC_PG_URL"), String.valueOf(missing));
    await(store.close());
  }
}
