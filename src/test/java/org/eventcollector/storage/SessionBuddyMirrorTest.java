package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.eventcollector.Main;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.eventcollector.bench.StandInMcpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A collector with the Session-Buddy mirror against the stand-in MCP server, end to end over HTTP:
 * with {@code session_buddy} storage (SQLite), and with {@code postgres} and
 * {@code storage.session_buddy.mirror} on a real PostgreSQL server.
 */
@ExtendWith({VertxExtension.class, PostgresServer.class})
class SessionBuddyMirrorTest {

  private static final String[] SYSTEMS = {"mahavishnu", "crackerjack", "akosha"};

  @TempDir
  Path dir;
  private Vertx vertx;
  private WebClient web;
  private StandInMcpServer standIn;
  private final List<Main.Node> nodes = new ArrayList<>();
  private String backend;
  /** The database of a {@code postgres} test, the same for every node the test starts. */
  private String pgUrl;
  private Pool pg;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    web = WebClient.create(vertx);
    standIn = new StandInMcpServer(vertx);
    await(standIn.start(0));
  }

  @AfterEach
  void stop() throws Exception {
    for (Main.Node node : nodes) {
      node.close(10_000);
    }
    await(standIn.stop());
    web.close();
    if (pg != null) {
      await(pg.close());
    }
  }

  private Main.Node node() throws Exception {
    return node(config -> { });
  }

  private Main.Node node(java.util.function.Consumer<JsonObject> tweak) throws Exception {
    JsonObject config = Defaults.config();
    Config.set(config, ConfigKeys.Http.PORT, 0);
    Config.set(config, ConfigKeys.Storage.BACKEND, backend);
    Config.set(config, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("events.db").toString());
    if ("postgres".equals(backend)) {
      if (pgUrl == null) {
        pgUrl = PostgresServer.get().newDatabase();
      }
      Config.set(config, ConfigKeys.Storage.PG_URL, pgUrl);
      Config.set(config, ConfigKeys.Storage.PG_PASSWORD, PostgresServer.PASSWORD);
      Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_MIRROR, true);
    }
    Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_URL, standIn.url());
    Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_RETRY_MS, 20);
    Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_TIMEOUT_MS, 5_000);
    tweak.accept(config);
    Main.Node node = Main.Node.start(config).get(60, TimeUnit.SECONDS);
    nodes.add(node);
    return node;
  }

  private void close(Main.Node node) {
    node.close(10_000);
    nodes.remove(node);
  }

  /** Runs SQL on the test's database (SQLite file or PostgreSQL); answers the first column of each row. */
  private List<Long> sql(String statement) throws Exception {
    List<Long> values = new ArrayList<>();
    if ("postgres".equals(backend)) {
      if (pg == null) {
        pg = PostgresServer.connect(vertx, pgUrl);
      }
      for (Row row : await(pg.query(statement).execute())) {
        values.add(row.getLong(0));
      }
      return values;
    }
    try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("events.db"));
         Statement st = conn.createStatement()) {
      if (st.execute(statement)) {
        try (ResultSet rows = st.getResultSet()) {
          while (rows.next()) {
            values.add(rows.getLong(1));
          }
        }
      }
    }
    return values;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static JsonObject event(String id, String system, String correlation, String title, String description) {
    return new JsonObject().put("event_id", id).put("source_system", system).put("event_type", "workflow.step")
      .put("title", title).put("description", description).put("correlation_id", correlation)
      .put("data", new JsonObject().put("n", id)).put("tags", new JsonArray().add("test"));
  }

  private void ingest(Main.Node node, List<JsonObject> events) throws Exception {
    HttpResponse<io.vertx.core.buffer.Buffer> response = await(web.post(node.main().httpPort(), "127.0.0.1", "/events/batch")
      .sendJson(new JsonArray(new ArrayList<>(events))));
    assertEquals(201, response.statusCode(), response.bodyAsString());
    assertEquals(events.size(), response.bodyAsJsonObject().getInteger("collected"), response.bodyAsString());
  }

  private JsonObject health(Main.Node node) throws Exception {
    HttpResponse<io.vertx.core.buffer.Buffer> response = await(web.get(node.main().httpPort(), "127.0.0.1", "/health").send());
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  /** Polls {@code /health} until {@code condition} holds (at most 30 s); returns the last answer. */
  private JsonObject healthUntil(Main.Node node, Predicate<JsonObject> condition) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    JsonObject health = health(node);
    while (!condition.test(health)) {
      assertTrue(System.currentTimeMillis() < deadline, "health never matched: " + health.encodePrettily());
      Thread.sleep(20);
      health = health(node);
    }
    return health;
  }

  private static JsonObject mirror(JsonObject health) {
    return health.getJsonObject("storage").getJsonObject("session_buddy");
  }

  private static boolean drained(JsonObject health) {
    return "healthy".equals(health.getString("status")) && mirror(health).getLong("outbox_depth") == 0;
  }

  private List<String> eventEntities() {
    return standIn.entities().values().stream().filter(e -> "event".equals(e.getString("entity_type")))
      .map(e -> e.getString("name")).toList();
  }

  private void awaitEntities(int events) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (eventEntities().size() < events) {
      assertTrue(System.currentTimeMillis() < deadline, "only " + eventEntities().size() + " of " + events + " mirrored");
      Thread.sleep(20);
    }
  }

  /** The relations the mapping promises for events stored in this order. */
  static Set<String> expectedRelations(List<JsonObject> events) {
    Set<String> relations = new HashSet<>();
    Map<String, String> last = new HashMap<>();
    for (JsonObject e : events) {
      String id = e.getString("event_id");
      relations.add(id + " emitted_by system:" + e.getString("source_system"));
      String correlation = e.getString("correlation_id");
      if (correlation != null) {
        relations.add(id + " part_of correlation:" + correlation);
        String previous = last.put(correlation, id);
        if (previous != null) {
          relations.add(id + " follows " + previous);
        }
      }
    }
    return relations;
  }

  private List<String> relations() {
    return standIn.relations().stream().map(r -> r.getString("from_entity") + " " + r.getString("relation_type") + " "
      + r.getString("to_entity")).toList();
  }

  private void assertMirroredExactlyOnce(List<JsonObject> events) {
    assertEquals(events.stream().map(e -> e.getString("event_id")).toList(), eventEntities(), "event entities in commit order");
    List<String> relations = relations();
    assertEquals(relations.size(), new HashSet<>(relations).size(), "a relation was made twice: " + relations);
    assertEquals(expectedRelations(events), new HashSet<>(relations));
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_buddy", "postgres"})
  void mirrorsACorrelatedWorkflowAsEntitiesAndRelations(String backend) throws Exception {
    this.backend = backend;
    Main.Node node = node();
    List<JsonObject> events = List.of(
      event("wf1-start", "mahavishnu", "wf-1", "Workflow started", "deploy api"),
      event("wf1-test", "crackerjack", "wf-1", "Tests failed", ""),
      event("lonely", "akosha", null, "", ""),
      event("wf1-done", "mahavishnu", "wf-1", "Workflow complete", "took 5 s"));
    ingest(node, events);
    awaitEntities(4);
    healthUntil(node, SessionBuddyMirrorTest::drained);

    Map<String, JsonObject> entities = standIn.entities();
    assertEquals(List.of("system:mahavishnu", "correlation:wf-1", "wf1-start", "system:crackerjack", "wf1-test",
      "system:akosha", "lonely", "wf1-done"), List.copyOf(entities.keySet()));
    assertEquals("system", entities.get("system:crackerjack").getString("entity_type"));
    assertEquals("correlation", entities.get("correlation:wf-1").getString("entity_type"));
    JsonObject start = entities.get("wf1-start");
    assertEquals("event", start.getString("entity_type"));
    assertEquals(List.of("Workflow started", "deploy api"), start.getJsonArray("observations").getList());
    assertEquals(List.of("Tests failed"), entities.get("wf1-test").getJsonArray("observations").getList());
    assertTrue(entities.get("lonely").getJsonArray("observations").isEmpty());
    JsonObject properties = start.getJsonObject("properties");
    assertEquals("mahavishnu", properties.getString("source_system"));
    assertEquals("workflow.step", properties.getString("event_type"));
    assertEquals("info", properties.getString("severity"));
    assertEquals("wf-1", properties.getString("correlation_id"));
    assertEquals("wf1-start", properties.getJsonObject("data").getString("n"));
    assertEquals(List.of("test"), properties.getJsonArray("tags").getList());
    assertTrue(properties.getString("timestamp").endsWith("Z"));
    assertFalse(properties.containsKey("title") || properties.containsKey("description"));

    List<String> relations = relations();
    assertEquals(Set.of(
      "wf1-start emitted_by system:mahavishnu", "wf1-start part_of correlation:wf-1",
      "wf1-test emitted_by system:crackerjack", "wf1-test part_of correlation:wf-1", "wf1-test follows wf1-start",
      "lonely emitted_by system:akosha",
      "wf1-done emitted_by system:mahavishnu", "wf1-done part_of correlation:wf-1", "wf1-done follows wf1-test"),
      new HashSet<>(relations));
    assertEquals(9, relations.size());
    assertEquals(0, standIn.callsOf("create_entity"), "entities made in batches");
    assertTrue(standIn.callsOf("batch_create_entities") >= 1);
    assertEquals(0, standIn.callsOf("get_entity_relationships"), "nothing to check when nothing failed");
    assertTrue(standIn.requests("tools/list") >= 1, "the tools are checked");

    JsonObject health = health(node);
    assertEquals(backend, health.getJsonObject("storage").getString("storage_type"));
    assertEquals(true, mirror(health).getBoolean("drainer"));
    assertEquals(true, mirror(health).getBoolean("reachable"));
    assertEquals(0L, mirror(health).getLong("failures"));
    assertEquals(new JsonArray(), mirror(health).getJsonArray("tools_missing"));
    HttpResponse<io.vertx.core.buffer.Buffer> trace = await(web.get(node.main().httpPort(), "127.0.0.1",
      "/events/correlation/wf-1").send());
    assertEquals(3, trace.bodyAsJsonObject().getInteger("count"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_buddy", "postgres"})
  void aServerDownForAWhileThenBackReceivesEverythingOnceInOrder(String backend) throws Exception {
    this.backend = backend;
    Main.Node node = node();
    List<JsonObject> events = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      events.add(event("before-" + i, SYSTEMS[i % 3], "c-" + (i % 2), "before " + i, ""));
    }
    ingest(node, events);
    awaitEntities(5);
    healthUntil(node, SessionBuddyMirrorTest::drained);

    await(standIn.stop());
    List<JsonObject> during = new ArrayList<>();
    for (int batch = 0; batch < 3; batch++) {
      List<JsonObject> part = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        int n = batch * 20 + i;
        part.add(event("during-" + n, SYSTEMS[n % 3], n % 5 == 4 ? null : "c-" + (n % 4), "during " + n, "d"));
      }
      ingest(node, part);
      during.addAll(part);
    }
    events.addAll(during);
    JsonObject degraded = healthUntil(node, h -> "degraded".equals(h.getString("status"))
      && Boolean.FALSE.equals(mirror(h).getBoolean("reachable")));
    assertEquals(60L, mirror(degraded).getLong("outbox_depth"));
    assertTrue(mirror(degraded).getLong("failures") > 0);
    assertTrue(mirror(degraded).getLong("oldest_pending_age_ms") >= 0);
    HttpResponse<io.vertx.core.buffer.Buffer> count = await(web.get(node.main().httpPort(), "127.0.0.1", "/events/count").send());
    assertEquals(65, count.bodyAsJsonObject().getInteger("count"), "queries work while the mirror waits");
    String metrics = await(web.get(node.main().httpPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertTrue(metrics.contains("event_collector_mirror_outbox_depth 60.0"), "depth metric");
    assertTrue(metrics.contains("event_collector_mirror_failures_total"), "failure metric");

    // Back, but failing twice and losing three answers after applying the call.
    standIn.failNextCalls(2);
    standIn.loseNextAnswers(3);
    await(standIn.start(0));
    awaitEntities(65);
    JsonObject healthy = healthUntil(node, SessionBuddyMirrorTest::drained);
    assertEquals(true, mirror(healthy).getBoolean("reachable"));
    assertMirroredExactlyOnce(events);
    assertTrue(standIn.initializations() >= 2, "a new session after the restart");
    assertTrue(metrics(node).contains("event_collector_mirror_lag_seconds_count"));
  }

  private String metrics(Main.Node node) throws Exception {
    return await(web.get(node.main().httpPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_buddy", "postgres"})
  void aRestartWithAFullOutboxResumesAndACrashBeforeACheckpointRepeatsNothing(String backend) throws Exception {
    this.backend = backend;
    await(standIn.stop());
    Main.Node first = node();
    List<JsonObject> events = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      events.add(event("r-" + i, SYSTEMS[i % 3], i % 3 == 2 ? "run-b" : "run-a", "step " + i, ""));
    }
    ingest(first, events);
    JsonObject waiting = healthUntil(first, h -> "degraded".equals(h.getString("status")));
    assertEquals(30L, mirror(waiting).getLong("outbox_depth"));
    close(first);

    List<Long> outbox = sql("SELECT seq FROM mirror_outbox ORDER BY seq");
    List<Long> enqueuedAt = sql("SELECT enqueued_at FROM mirror_outbox ORDER BY seq");
    assertEquals(30, outbox.size(), "the outbox survived the shutdown");

    await(standIn.start(0));
    Main.Node second = node();
    awaitEntities(30);
    healthUntil(second, SessionBuddyMirrorTest::drained);
    assertMirroredExactlyOnce(events);
    close(second);
    List<String> relationsBefore = relations();
    Map<String, JsonObject> entitiesBefore = standIn.entities();

    // As if the second run had died after its calls but before its checkpoint.
    sql("DELETE FROM mirror_graph");
    for (int i = 0; i < outbox.size(); i++) {
      sql("INSERT INTO mirror_outbox (seq, enqueued_at) VALUES (" + outbox.get(i) + ", " + enqueuedAt.get(i) + ")");
    }
    sql("UPDATE mirror_state SET value = " + outbox.get(outbox.size() - 1) + " WHERE key = 'started'");
    Main.Node third = node();
    JsonObject resumed = healthUntil(third, h -> drained(h) && mirror(h).getLong("mirrored") == 30);
    assertEquals(0L, mirror(resumed).getLong("failures"));
    assertEquals(relationsBefore, relations(), "no relation made again");
    assertEquals(entitiesBefore, standIn.entities(), "no entity made again");
    close(third);
    assertEquals(List.of(0L), sql("SELECT COUNT(*) FROM mirror_outbox"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_buddy", "postgres"})
  void anEventDeletedBeforeItWasMirroredIsSkippedAndTheRestFollows(String backend) throws Exception {
    this.backend = backend;
    await(standIn.stop());
    Main.Node first = node();
    List<JsonObject> old = List.of(
      event("old-1", "mahavishnu", "wf-old", "old", "").put("timestamp", "2020-01-01T00:00:00Z"),
      event("old-2", "mahavishnu", "wf-old", "old", "").put("timestamp", "2020-01-01T00:00:01Z"));
    ingest(first, old);
    List<JsonObject> recent = List.of(event("new-1", "akosha", "wf-old", "new", ""));
    ingest(first, recent);
    HttpResponse<io.vertx.core.buffer.Buffer> deleted = await(web.delete(first.main().httpPort(), "127.0.0.1",
      "/events?before=2021-01-01T00:00:00Z").send());
    assertEquals(2, deleted.bodyAsJsonObject().getInteger("deleted"), deleted.bodyAsString());
    close(first);

    await(standIn.start(0));
    Main.Node second = node();
    JsonObject health = healthUntil(second, h -> drained(h) && mirror(h).getLong("mirrored") == 1);
    assertEquals(0L, mirror(health).getLong("failures"));
    assertMirroredExactlyOnce(recent);
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_buddy", "postgres"})
  void relationsWhoseAnswersCameTooLateAreFoundByTheirIdsAndNotMadeAgain(String backend) throws Exception {
    this.backend = backend;
    Main.Node node = node(config -> Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_TIMEOUT_MS, 400));
    // Applied at once, answered after the mirror gave up on them.
    standIn.delayNextAnswers("create_relation", 8, 1_500);
    List<JsonObject> events = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      events.add(event("late-" + i, SYSTEMS[i % 3], "c-" + (i % 3), "late " + i, ""));
    }
    ingest(node, events);
    awaitEntities(20);
    JsonObject health = healthUntil(node, h -> drained(h) && mirror(h).getLong("mirrored") == 20);
    assertTrue(mirror(health).getLong("failures") > 0, "calls timed out");
    assertTrue(standIn.callsOf("get_entity_relationships") > 0, "the relations whose answers were lost were looked up");
    assertMirroredExactlyOnce(events);
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_buddy", "postgres"})
  void withoutTheGraphToolsTheOutboxKeepsEverythingAndDrainsOnceTheyAppear(String backend) throws Exception {
    this.backend = backend;
    standIn.profile(StandInMcpServer.Profile.MINIMAL);
    Main.Node node = node();
    List<JsonObject> events = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      events.add(event("t-" + i, SYSTEMS[i % 3], "wf-" + (i % 2), "step " + i, ""));
    }
    ingest(node, events);
    JsonObject waiting = healthUntil(node, h -> "degraded".equals(h.getString("status"))
      && mirror(h).getJsonArray("tools_missing").size() == 3);
    assertEquals(new JsonArray(List.of("create_entity", "create_relation", "get_entity_relationships")),
      mirror(waiting).getJsonArray("tools_missing"));
    assertTrue(mirror(waiting).getString("last_error").contains("'standard' and 'full' tool profiles"),
      mirror(waiting).getString("last_error"));
    assertEquals(true, mirror(waiting).getBoolean("reachable"));
    long deadline = System.currentTimeMillis() + 30_000;
    while (standIn.requests("tools/list") < 4) {
      assertTrue(System.currentTimeMillis() < deadline, "the tools are checked again");
      Thread.sleep(20);
    }
    JsonObject still = health(node);
    assertEquals(1L, mirror(still).getLong("failures"), "said once, not at every check");
    assertEquals(10L, mirror(still).getLong("outbox_depth"));
    assertEquals(0, standIn.calls().size(), "no tool called while they are missing");
    assertTrue(metrics(node).contains("event_collector_mirror_tools_missing 3.0"));

    standIn.profile(StandInMcpServer.Profile.STANDARD);
    awaitEntities(10);
    JsonObject drained = healthUntil(node, h -> drained(h) && mirror(h).getLong("mirrored") == 10);
    assertEquals(new JsonArray(), mirror(drained).getJsonArray("tools_missing"));
    assertMirroredExactlyOnce(events);
    assertTrue(metrics(node).contains("event_collector_mirror_tools_missing 0.0"));
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 404})
  void aSessionTheServerForgotIsStartedAgainWhetherItAnswers400Or404(int status) throws Exception {
    this.backend = "session_buddy";
    standIn.unknownSessionStatus(status);
    Main.Node node = node();
    List<JsonObject> events = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      events.add(event("s-" + i, SYSTEMS[i % 3], "wf", "step " + i, ""));
    }
    ingest(node, events);
    healthUntil(node, h -> drained(h) && mirror(h).getLong("mirrored") == 5);
    standIn.expireSessions();
    List<JsonObject> more = new ArrayList<>();
    for (int i = 5; i < 10; i++) {
      more.add(event("s-" + i, SYSTEMS[i % 3], "wf", "step " + i, ""));
    }
    ingest(node, more);
    events.addAll(more);
    JsonObject health = healthUntil(node, h -> drained(h) && mirror(h).getLong("mirrored") == 10);
    assertEquals(0L, mirror(health).getLong("failures"), "a forgotten session is no failure");
    assertEquals(2, standIn.initializations());
    assertMirroredExactlyOnce(events);
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_buddy"})
  void aCollectorKilledInTheMiddleOfADrainMakesNoRelationTwiceAfterItsRestart(String backend) throws Exception {
    this.backend = backend;
    // Slow answers, so that the kill falls in the middle of the drain.
    standIn.delayNextAnswers(null, Integer.MAX_VALUE, 3);
    Path log = dir.resolve("killed.log");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-Xmx256m", "-cp", System.getProperty("java.class.path"), "org.eventcollector.Main")
      .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(key -> key.startsWith("EC_"));
    builder.environment().putAll(Map.of("EC_STORAGE", "session_buddy", "EC_DB_PATH", dir.resolve("events.db").toString(),
      "EC_HTTP_PORT", "0", "EC_SESSION_BUDDY_URL", standIn.url(), "EC_STORAGE_SESSION_BUDDY_RETRY_MS", "20",
      "EC_RATE_LIMIT_PER_SECOND", "1000000", "EC_RATE_LIMIT_BURST", "1000000"));
    Process child = builder.start();
    List<JsonObject> events = new ArrayList<>();
    try {
      int port = listening(child, log);
      for (int batch = 0; batch < 4; batch++) {
        List<JsonObject> part = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          int n = batch * 200 + i;
          part.add(event("k-" + n, SYSTEMS[n % 3], n % 7 == 6 ? null : "run-" + (n % 5), "step " + n, ""));
        }
        HttpResponse<io.vertx.core.buffer.Buffer> response = await(web.post(port, "127.0.0.1", "/events/batch")
          .sendJson(new JsonArray(new ArrayList<>(part))));
        assertEquals(201, response.statusCode(), response.bodyAsString());
        events.addAll(part);
      }
      long deadline = System.currentTimeMillis() + 60_000;
      while (eventEntities().size() < 300) {
        assertTrue(System.currentTimeMillis() < deadline, "the drain never got far: " + eventEntities().size());
        Thread.sleep(5);
      }
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    int before = eventEntities().size();
    assertTrue(before < 800, "killed in the middle of the drain, not after it: " + before);

    standIn.delayNextAnswers(null, 0, 0);
    Main.Node restarted = node();
    awaitEntities(800);
    healthUntil(restarted, h -> drained(h) && mirror(h).getLong("outbox_depth") == 0);
    assertTrue(standIn.callsOf("get_entity_relationships") > 0, "the relations begun before the kill were looked up");
    assertMirroredExactlyOnce(events);
  }

  /** Waits for the child's "HTTP listening on host:port" line; answers the port. */
  private static int listening(Process child, Path log) throws Exception {
    java.util.regex.Pattern line = java.util.regex.Pattern.compile("HTTP listening on [^\\s:]+:(\\d+)");
    long deadline = System.currentTimeMillis() + 90_000;
    while (System.currentTimeMillis() < deadline) {
      String text = java.nio.file.Files.exists(log) ? java.nio.file.Files.readString(log) : "";
      java.util.regex.Matcher matcher = line.matcher(text);
      if (matcher.find()) {
        return Integer.parseInt(matcher.group(1));
      }
      assertTrue(child.isAlive(), "the collector exited:\n" + text);
      Thread.sleep(50);
    }
    throw new AssertionError("the collector did not start:\n" + java.nio.file.Files.readString(log));
  }
}
