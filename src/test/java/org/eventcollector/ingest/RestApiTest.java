package org.eventcollector.ingest;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.eventcollector.Backends;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every REST route and status of the contract, on each storage backend. */
@ExtendWith(PostgresServer.class)
class RestApiTest {

  @TempDir
  Path dir;
  TestCollector collector;

  /** Starts the node of this test on {@code backend}. */
  void start(String backend) {
    collector = TestCollector.start(Backends.on(backend, TestCollector.config(dir, backend)));
  }

  @AfterEach
  void stop() {
    if (collector != null) {
      collector.close();
    }
  }

  static JsonObject event(String system, String type) {
    return new JsonObject().put("source_system", system).put("event_type", type);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void collectsAnEventWithDefaultsFilled(String backend) {
    start(backend);
    Response created = collector.post("/events", event("mahavishnu", "workflow_complete").put("correlation_id", "wf-abc123")
      .put("data", new JsonObject().put("workflow_id", "abc123").put("duration", 5.2)).put("tags", new JsonArray().add("production")));
    assertEquals(201, created.status(), created.toString());
    assertEquals("collected", created.json().getString("status"));
    String id = created.json().getString("event_id");
    assertTrue(id.matches("[0-9a-f-]{36}"), id);

    Response got = collector.get("/events/" + id);
    assertEquals(200, got.status());
    JsonObject stored = got.json();
    assertEquals("info", stored.getString("severity"));
    assertEquals("", stored.getString("title"));
    assertEquals("", stored.getString("description"));
    assertEquals(new JsonObject(), stored.getJsonObject("metadata"));
    assertEquals(5.2, stored.getJsonObject("data").getDouble("duration"));
    assertTrue(stored.containsKey("duration_ms") && stored.getValue("duration_ms") == null);
    assertTrue(stored.getString("timestamp").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), stored.getString("timestamp"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void answersDuplicateForAnIdAlreadyStoredAndKeepsTheFirst(String backend) {
    start(backend);
    JsonObject first = event("akosha", "analytics.query").put("event_id", "dup-1").put("title", "first");
    assertEquals(201, collector.post("/events", first).status());
    Response again = collector.post("/events", first.copy().put("title", "second"));
    assertEquals(200, again.status());
    assertEquals("duplicate", again.json().getString("status"));
    assertEquals("dup-1", again.json().getString("event_id"));
    assertEquals("first", collector.get("/events/dup-1").json().getString("title"));
    assertEquals(1, collector.get("/events/count").json().getInteger("count"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void acknowledgesOnlyCommittedEventsReadableFromASecondConnection(String backend) throws Exception {
    start(backend);
    String id = collector.ingest(event("oneiric", "config.changed").put("title", "committed"));
    assertEquals(List.of("committed"), titlesInTheDatabase(backend, id), "row committed before the 201");
  }

  /** The titles stored under {@code id}, read over a connection of its own, not the node's. */
  private List<String> titlesInTheDatabase(String backend, String id) throws Exception {
    List<String> titles = new ArrayList<>();
    if (backend.equals("postgres")) {
      Vertx vertx = Vertx.vertx();
      try {
        Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(Config.string(collector.config(), ConfigKeys.Storage.PG_URL, null))
          .setPassword(PostgresServer.PASSWORD)).using(vertx).build();
        TestCollector.await(pool.preparedQuery("SELECT title FROM events WHERE event_id = $1").execute(Tuple.of(id)))
          .forEach(row -> titles.add(row.getString(0)));
      } finally {
        TestCollector.await(vertx.close());
      }
      return titles;
    }
    try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("events.db"));
         Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery("SELECT title FROM events WHERE event_id = '" + id + "'")) {
      while (rs.next()) {
        titles.add(rs.getString(1));
      }
    }
    return titles;
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void storesValidBatchItemsAndReportsInvalidOnesByIndex(String backend) {
    start(backend);
    JsonArray batch = new JsonArray()
      .add(event("mahavishnu", "test").put("severity", "info"))
      .add(event("crackerjack", "test").put("severity", "nope"))
      .add(new JsonObject().put("event_type", "x"))
      .add(event("akosha", "test").put("event_id", "b-1"))
      .add(event("akosha", "test").put("event_id", "b-1"));
    Response response = collector.post("/events/batch", batch);
    assertEquals(201, response.status(), response.toString());
    JsonObject body = response.json();
    assertEquals(3, body.getInteger("collected"));
    assertEquals(2, body.getInteger("failed"));
    assertEquals(1, body.getInteger("duplicates"));
    assertEquals("batch_completed", body.getString("status"));
    JsonArray errors = body.getJsonArray("errors");
    assertEquals(1, errors.getJsonObject(0).getInteger("index"));
    assertEquals("severity", errors.getJsonObject(0).getString("field"));
    assertEquals(2, errors.getJsonObject(1).getInteger("index"));
    assertEquals("source_system", errors.getJsonObject(1).getString("field"));
    assertEquals(2, collector.get("/events/count").json().getInteger("count"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void answersAnAllInvalidBatchWithNothingCollected(String backend) {
    start(backend);
    Response response = collector.post("/events/batch", new JsonArray().add(new JsonObject()).add("text"));
    assertEquals(201, response.status());
    assertEquals(0, response.json().getInteger("collected"));
    assertEquals(2, response.json().getInteger("failed"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void refusesEmptyAndOversizedBatches(String backend) {
    start(backend);
    assertEquals(400, collector.post("/events/batch", new JsonArray()).status());
    JsonArray big = new JsonArray();
    for (int i = 0; i < 1001; i++) {
      big.add(event("akosha", "t"));
    }
    Response response = collector.post("/events/batch", big);
    assertEquals(413, response.status());
    assertNotNull(response.json().getString("error"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void refusesBadBodiesWithTheContractStatuses(String backend) {
    start(backend);
    Response malformed = collector.send(HttpMethod.POST, "/events", Buffer.buffer("{\"source_system\":"), "application/json", Map.of());
    assertEquals(400, malformed.status());
    assertTrue(malformed.json().containsKey("field"));
    Response notJson = collector.send(HttpMethod.POST, "/events", Buffer.buffer("a=b"), "application/x-www-form-urlencoded", Map.of());
    assertEquals(415, notJson.status());
    Response noType = collector.send(HttpMethod.POST, "/events", Buffer.buffer("{}"), null, Map.of());
    assertEquals(415, noType.status());
    Response array = collector.post("/events", new JsonArray().add(event("akosha", "t")));
    assertEquals(400, array.status());
    Response tooBig = collector.post("/events", event("akosha", "t").put("data", new JsonObject().put("x", "y".repeat(70_000))));
    assertEquals(413, tooBig.status());
    Response invalidUtf8 = collector.send(HttpMethod.POST, "/events",
      Buffer.buffer(new byte[] {'{', '"', 't', 'i', 't', 'l', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}), "application/json", Map.of());
    assertEquals(400, invalidUtf8.status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void namesTheFieldOfEachValidationFailure(String backend) {
    start(backend);
    assertField(event("akosha", "t").put("colour", "red"), "colour");
    assertField(event("nobody", "t"), "source_system");
    assertField(event("Akosha", "t"), "source_system");
    assertField(event("akosha", "bad type!"), "event_type");
    assertField(event("akosha", "t").put("severity", "INFO"), "severity");
    assertField(event("akosha", "t").put("timestamp", "2026-11-22T10:00:00"), "timestamp");
    assertField(event("akosha", "t").put("event_id", "batch"), "event_id");
    assertField(event("akosha", "t").put("event_id", "x".repeat(65)), "event_id");
    assertField(event("akosha", "t").put("title", "é".repeat(1025)), "title");
    assertField(event("akosha", "t").put("description", "é".repeat(8193)), "description");
    assertField(event("akosha", "t").put("duration_ms", -1), "duration_ms");
    assertField(event("akosha", "t").put("duration_ms", 1.5), "duration_ms");
    assertField(event("akosha", "t").put("tags", new JsonArray().add("a,b")), "tags");
    assertField(event("akosha", "t").put("tags", new JsonArray().add(1)), "tags");
    assertField(event("akosha", "t").put("data", new JsonArray()), "data");
    assertField(event("akosha", "t").put("source_component", "a,b"), "source_component");
    assertField(event("akosha", "t").put("correlation_id", 5), "correlation_id");
  }

  private void assertField(JsonObject event, String field) {
    Response response = collector.post("/events", event);
    assertEquals(400, response.status(), event.encode());
    assertEquals(field, response.json().getString("field"), response.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void takesNullAsTheDefaultAndKeepsOffsetsAsUtcMillis(String backend) {
    start(backend);
    String id = collector.ingest(event("akosha", "t").put("severity", (Object) null).put("tags", (Object) null)
      .put("timestamp", "2026-11-22T15:30:00.123456+02:00").put("title", "é".repeat(1024)));
    JsonObject stored = collector.get("/events/" + id).json();
    assertEquals("info", stored.getString("severity"));
    assertEquals(new JsonArray(), stored.getJsonArray("tags"));
    assertEquals("2026-11-22T13:30:00.123Z", stored.getString("timestamp"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void answers404And405WithJsonAndAllow(String backend) {
    start(backend);
    Response missing = collector.get("/events/does-not-exist");
    assertEquals(404, missing.status());
    assertNotNull(missing.json().getString("error"));
    assertEquals(404, collector.get("/nowhere").status());
    Response wrong = collector.send(HttpMethod.PUT, "/events", null, null, Map.of());
    assertEquals(405, wrong.status());
    assertEquals("GET, HEAD, POST, DELETE, OPTIONS", wrong.headers().get("Allow"));
    Response getBatch = collector.get("/events/batch");
    assertEquals(405, getBatch.status());
    assertEquals("POST, OPTIONS", getBatch.headers().get("Allow"));
    Response postCount = collector.post("/events/count", new JsonObject());
    assertEquals(405, postCount.status());
    assertEquals("GET, HEAD, OPTIONS", postCount.headers().get("Allow"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void answersLongRequestLinesAndHeadersWithJson(String backend) {
    start(backend);
    Response fine = collector.get("/events?search=" + "a".repeat(15_000));
    assertEquals(200, fine.status(), fine.toString());
    Response longLine = collector.get("/events?search=" + "a".repeat(17_000));
    assertEquals(414, longLine.status());
    assertNotNull(longLine.json().getString("error"));
    Response bigHeaders = collector.send(HttpMethod.GET, "/health", null, null, Map.of("X-Big", "b".repeat(17_000)));
    assertEquals(431, bigHeaders.status());
    assertNotNull(bigHeaders.json().getString("error"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void returnsCorrelationOldestFirstAndEmptyForUnknown(String backend) {
    start(backend);
    collector.ingest(event("mahavishnu", "b").put("correlation_id", "wf-1").put("timestamp", "2026-01-01T00:00:02Z"));
    collector.ingest(event("crackerjack", "a").put("correlation_id", "wf-1").put("timestamp", "2026-01-01T00:00:01Z"));
    collector.ingest(event("crackerjack", "c").put("correlation_id", "wf-2"));
    JsonObject trace = collector.get("/events/correlation/wf-1").json();
    assertEquals("wf-1", trace.getString("correlation_id"));
    assertEquals(2, trace.getInteger("count"));
    assertEquals("a", trace.getJsonArray("events").getJsonObject(0).getString("event_type"));
    Response empty = collector.get("/events/correlation/none");
    assertEquals(200, empty.status());
    assertEquals(0, empty.json().getInteger("count"));
    assertEquals(1, collector.get("/events/correlation/wf-1?limit=1").json().getInteger("count"));
    assertEquals(400, collector.get("/events/correlation/wf-1?limit=10001").status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void computesStatsOverAWindowAndAllTime(String backend) {
    start(backend);
    collector.ingest(event("mahavishnu", "a").put("timestamp", "2025-02-05T01:00:00Z").put("severity", "error"));
    collector.ingest(event("mahavishnu", "b").put("timestamp", "2025-02-05T02:00:00Z"));
    collector.ingest(event("akosha", "a").put("timestamp", "2025-02-06T02:00:00Z"));
    JsonObject window = collector.get("/events/stats?start_time=2025-02-05T00:00:00Z&end_time=2025-02-05T23:59:59Z").json();
    assertEquals(2, window.getInteger("total_events"));
    assertEquals(new JsonObject().put("mahavishnu", 2), window.getJsonObject("by_source_system"));
    assertEquals(new JsonObject().put("a", 1).put("b", 1), window.getJsonObject("by_event_type"));
    assertEquals(new JsonObject().put("error", 1).put("info", 1), window.getJsonObject("by_severity"));
    assertEquals("2025-02-05T00:00:00.000Z", window.getJsonObject("time_range").getString("start"));
    JsonObject all = collector.get("/events/stats").json();
    assertEquals(3, all.getInteger("total_events"));
    assertEquals(400, collector.get("/events/stats?start_time=yesterday").status());
    assertEquals(400, collector.get("/events/stats?bogus=1").status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void reportsHealthAndMetrics(String backend) {
    start(backend);
    collector.ingest(event("mahavishnu", "a"));
    Response health = collector.get("/health");
    assertEquals(200, health.status());
    JsonObject body = health.json();
    assertEquals("healthy", body.getString("status"));
    assertEquals(1, body.getJsonObject("collector").getInteger("events_processed"));
    assertEquals(Map.of("sqlite", "SQLiteEventStorage", "memory", "MemoryEventStorage", "postgres", "PostgresEventStorage").get(backend),
      body.getJsonObject("collector").getString("storage_type"));
    assertEquals(0, body.getJsonObject("collector").getInteger("active_websockets"));
    assertEquals(backend, body.getJsonObject("storage").getString("storage_type"));
    assertEquals(1, body.getJsonObject("storage").getInteger("total_events"));
    Response metrics = collector.get("/metrics");
    assertEquals(200, metrics.status());
    String text = metrics.body().toString();
    assertTrue(text.contains("event_collector_events_collected_total{source_system=\"mahavishnu\"}"), text);
    assertTrue(text.contains("event_collector_events_stored_total"), text);
    assertTrue(text.contains("event_collector_queries_total"), text);
    assertTrue(text.contains("event_collector_storage_commit_events_bucket"), text);
    assertTrue(text.contains("event_collector_ingest_latency_seconds_bucket{transport=\"http\""), text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void deletesOnlyEventsStrictlyOlderThanBefore(String backend) {
    start(backend);
    collector.ingest(event("akosha", "old").put("timestamp", "2020-01-01T00:00:00Z"));
    collector.ingest(event("akosha", "edge").put("timestamp", "2021-01-01T00:00:00Z"));
    collector.ingest(event("akosha", "new"));
    Response deleted = collector.send(HttpMethod.DELETE, "/events?before=" + URLEncoder.encode("2021-01-01T00:00:00Z", StandardCharsets.UTF_8), null, null, Map.of());
    assertEquals(200, deleted.status(), deleted.toString());
    assertEquals(1, deleted.json().getInteger("deleted"));
    assertEquals(2, collector.get("/events/count").json().getInteger("count"));
    Response missing = collector.send(HttpMethod.DELETE, "/events", null, null, Map.of());
    assertEquals(400, missing.status());
    assertEquals("before", missing.json().getString("field"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void servesTheOpenApiDocument(String backend) {
    start(backend);
    Response doc = collector.get("/openapi.json");
    assertEquals(200, doc.status());
    assertEquals("3.1.0", doc.json().getString("openapi"));
    assertNull(doc.headers().get("WWW-Authenticate"));
  }
}
