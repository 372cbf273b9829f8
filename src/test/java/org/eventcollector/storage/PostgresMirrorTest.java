package org.eventcollector.storage;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.eventcollector.Main;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.bench.StandInMcpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.eventcollector.TestCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two storage nodes, each a collector in its own Vert.x, writing one PostgreSQL database with the
 * Session-Buddy mirror on, against the stand-in MCP server: one of them drains the shared outbox.
 */
@ExtendWith(PostgresServer.class)
class PostgresMirrorTest {

  private static final String[] SYSTEMS = {"mahavishnu", "crackerjack", "akosha"};

  @TempDir
  Path dir;

  private Vertx vertx;
  private StandInMcpServer standIn;
  private JsonObject config;
  private Pool db;
  private final List<TestCollector> nodes = new ArrayList<>();
  private ExecutorService threads;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    standIn = new StandInMcpServer(vertx);
    await(standIn.start(0));
    config = PostgresServer.get().configure(TestCollector.config(dir, "postgres"));
    Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_MIRROR, true);
    Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_URL, standIn.url());
    Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_RETRY_MS, 20);
    Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_TIMEOUT_MS, 2_000);
    db = PostgresServer.connect(vertx, Config.string(config, ConfigKeys.Storage.PG_URL, ""));
    threads = Executors.newFixedThreadPool(4);
  }

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS));
    nodes.forEach(TestCollector::close);
    await(standIn.stop());
    await(db.close());
    await(vertx.close());
  }

  private TestCollector node() {
    TestCollector node = TestCollector.start(config.copy());
    nodes.add(node);
    return node;
  }

  private static JsonObject event(String id, int n) {
    return new JsonObject().put("event_id", id).put("source_system", SYSTEMS[n % 3]).put("event_type", "workflow.step")
      .put("title", "step " + id).put("correlation_id", n % 5 == 4 ? null : "c-" + (n % 7));
  }

  private static void ingest(TestCollector node, String prefix, int count) {
    for (int from = 0; from < count; from += 25) {
      JsonArray batch = new JsonArray();
      for (int i = from; i < Math.min(count, from + 25); i++) {
        batch.add(event(prefix + "-" + i, i));
      }
      Response response = node.post("/events/batch", batch);
      assertEquals(201, response.status(), response.toString());
      assertEquals(batch.size(), response.json().getInteger("collected"), response.toString());
    }
  }

  /** Writes through both nodes at once, two writers each. */
  private void ingestThroughBoth(TestCollector a, TestCollector b, String prefix, int perWriter) throws Exception {
    List<Callable<Void>> writers = new ArrayList<>();
    TestCollector[] targets = {a, b, a, b};
    for (int w = 0; w < targets.length; w++) {
      TestCollector target = targets[w];
      String name = prefix + w;
      writers.add(() -> {
        ingest(target, name, perWriter);
        return null;
      });
    }
    for (Future<Void> done : threads.invokeAll(writers)) {
      done.get(120, TimeUnit.SECONDS);
    }
  }

  private static JsonObject mirror(TestCollector node) {
    Response response = node.get("/health");
    assertEquals(200, response.status(), response.toString());
    return response.json().getJsonObject("storage").getJsonObject("session_buddy");
  }

  /** Polls the mirror's health of {@code node} until {@code condition} holds (at most 60 s). */
  private static JsonObject mirrorUntil(TestCollector node, Predicate<JsonObject> condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    JsonObject mirror = mirror(node);
    while (!condition.test(mirror)) {
      assertTrue(System.currentTimeMillis() < deadline, "health never matched: " + mirror.encodePrettily());
      Thread.sleep(20);
      mirror = mirror(node);
    }
    return mirror;
  }

  private List<String> eventEntities() {
    return standIn.entities().values().stream().filter(e -> "event".equals(e.getString("entity_type")))
      .map(e -> e.getString("name")).toList();
  }

  private void awaitEntities(int events) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 90_000;
    while (eventEntities().size() < events) {
      assertTrue(System.currentTimeMillis() < deadline, "only " + eventEntities().size() + " of " + events + " mirrored");
      Thread.sleep(20);
    }
  }

  /** The stored events in commit order, as the mapping sees them. */
  private List<JsonObject> committed() {
    List<JsonObject> events = new ArrayList<>();
    for (Row row : await(db.query("SELECT event_id, source_system, correlation_id FROM events ORDER BY seq").execute())) {
      events.add(new JsonObject().put("event_id", row.getString(0)).put("source_system", row.getString(1))
        .put("correlation_id", row.getString(2)));
    }
    return events;
  }

  /** Every stored event is in the graph once, created in commit order, with each relation made once. */
  private void assertMirroredOnceInCommitOrder(int expected) {
    List<JsonObject> events = committed();
    assertEquals(expected, events.size());
    assertEquals(events.stream().map(e -> e.getString("event_id")).toList(), eventEntities(), "event entities in commit order");
    List<String> relations = standIn.relations().stream()
      .map(r -> r.getString("from_entity") + " " + r.getString("relation_type") + " " + r.getString("to_entity")).toList();
    assertEquals(relations.size(), new HashSet<>(relations).size(), "a relation was made twice");
    assertEquals(SessionBuddyMirrorTest.expectedRelations(events), new HashSet<>(relations));
  }

  /** The backend process holding the drain lock, or 0 when nobody holds it. */
  private int lockHolder() {
    var rows = await(db.preparedQuery("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
      + " AND classid::bigint = $1 AND objid::bigint = $2")
      .execute(Tuple.of(PgMirrorOutbox.DRAIN_LOCK >>> 32, PgMirrorOutbox.DRAIN_LOCK & 0xFFFF_FFFFL)));
    return rows.size() == 0 ? 0 : rows.iterator().next().getInteger(0);
  }

  @Test
  void theEnvironmentTurnsTheMirrorOnAndAStoreWithoutOutboxIsRefused() {
    JsonObject loaded = Config.load(null, Map.of("EC_STORAGE", "postgres", "EC_STORAGE_SESSION_BUDDY_MIRROR", "true"),
      Map.of());
    assertEquals(true, Config.bool(loaded, ConfigKeys.Storage.SESSION_BUDDY_MIRROR, false));
    assertEquals(false, Config.bool(Config.load(null, Map.of(), Map.of()),
      ConfigKeys.Storage.SESSION_BUDDY_MIRROR, true), "off by default");

    JsonObject memory = config.copy();
    Config.set(memory, ConfigKeys.Storage.BACKEND, "memory");
    var failure = assertThrows(ExecutionException.class,
      () -> Main.Node.start(memory).get(60, TimeUnit.SECONDS));
    assertTrue(String.valueOf(failure.getCause().getMessage()).contains("storage.session_buddy.mirror"),
      String.valueOf(failure.getCause()));
  }

  @Test
  void twoWritersWithTheMirrorOnBothMirrorEveryEventOnceInCommitOrderThroughOneDrainer() throws Exception {
    TestCollector a = node();
    TestCollector b = node();
    ingestThroughBoth(a, b, "w", 150);
    awaitEntities(600);
    JsonObject first = mirrorUntil(a, m -> m.getLong("outbox_depth") == 0);
    JsonObject second = mirrorUntil(b, m -> m.getLong("outbox_depth") == 0);

    assertMirroredOnceInCommitOrder(600);
    assertEquals(0, standIn.callsOf("create_entity"), "entities made in batches");
    assertTrue(standIn.callsOf("batch_create_entities") * 50 >= standIn.entities().size());
    assertNotEquals(first.getBoolean("drainer"), second.getBoolean("drainer"), "exactly one drainer");
    JsonObject drainer = first.getBoolean("drainer") ? first : second;
    JsonObject standby = first.getBoolean("drainer") ? second : first;
    assertEquals(600L, drainer.getLong("mirrored"));
    assertEquals(0L, standby.getLong("mirrored"));
    assertEquals("postgres", a.get("/health").json().getJsonObject("storage").getString("storage_type"));
  }

  @Test
  void whenTheDrainingNodeStopsTheOtherTakesOverWhatIsLeft() throws Exception {
    TestCollector a = node();
    TestCollector b = node();
    ingestThroughBoth(a, b, "before", 25);
    awaitEntities(100);
    TestCollector drainer = mirrorUntil(a, m -> m.getLong("outbox_depth") == 0).getBoolean("drainer") ? a : b;
    TestCollector other = drainer == a ? b : a;
    assertEquals(false, mirror(other).getBoolean("drainer"));

    await(standIn.stop());
    ingestThroughBoth(a, b, "while-down", 25);
    mirrorUntil(drainer, m -> m.getLong("outbox_depth") == 100 && Boolean.FALSE.equals(m.getBoolean("reachable")));
    mirrorUntil(other, m -> m.getLong("outbox_depth") == 100);
    drainer.close();
    nodes.remove(drainer);
    await(standIn.start(0));
    ingest(other, "after", 50);

    awaitEntities(250);
    JsonObject took = mirrorUntil(other, m -> m.getLong("outbox_depth") == 0 && m.getBoolean("drainer"));
    assertEquals(150L, took.getLong("mirrored"));
    assertMirroredOnceInCommitOrder(250);
  }

  @Test
  void aDrainerWhoseLockConnectionDropsStopsDrainingAndOneNodeCarriesOn() throws Exception {
    TestCollector a = node();
    TestCollector b = node();
    ingestThroughBoth(a, b, "warm", 10);
    awaitEntities(40);
    int holder = lockHolder();
    assertTrue(holder > 0, "a node holds the drain lock");

    ingestThroughBoth(a, b, "busy", 100);
    // Ends the drainer's lock connection in the middle of its work, as a network failure would.
    assertEquals(true, await(db.preparedQuery("SELECT pg_terminate_backend($1)").execute(Tuple.of(holder)))
      .iterator().next().getBoolean(0));
    ingestThroughBoth(a, b, "later", 10);

    awaitEntities(480);
    mirrorUntil(a, m -> m.getLong("outbox_depth") == 0);
    mirrorUntil(b, m -> m.getLong("outbox_depth") == 0);
    assertMirroredOnceInCommitOrder(480);
    int next = lockHolder();
    assertTrue(next > 0 && next != holder, "the lock is held on a new connection");
    assertNotEquals(mirror(a).getBoolean("drainer"), mirror(b).getBoolean("drainer"), "exactly one drainer");
  }

  @Test
  void withoutTheGraphToolsTheSharedOutboxWaitsAndTheNodeThatTakesOverChecksThemAgain() throws Exception {
    standIn.profile(StandInMcpServer.Profile.MINIMAL);
    TestCollector a = node();
    TestCollector b = node();
    ingestThroughBoth(a, b, "held", 10);
    TestCollector drainer = null;
    long deadline = System.currentTimeMillis() + 60_000;
    while (drainer == null) {
      assertTrue(System.currentTimeMillis() < deadline, "no node reported the missing tools");
      for (TestCollector node : List.of(a, b)) {
        JsonObject mirror = mirror(node);
        if (mirror.getBoolean("drainer") && mirror.getJsonArray("tools_missing").size() == 3) {
          drainer = node;
        }
      }
      Thread.sleep(20);
    }
    assertEquals(40L, mirror(drainer).getLong("outbox_depth"));
    assertEquals(0, standIn.calls().size(), "no tool called while they are missing");

    // The drainer stops; the other node takes the lock while the tools are still missing, then they appear.
    TestCollector other = drainer == a ? b : a;
    drainer.close();
    nodes.remove(drainer);
    mirrorUntil(other, m -> m.getBoolean("drainer") && m.getJsonArray("tools_missing").size() == 3);
    standIn.profile(StandInMcpServer.Profile.FULL);
    awaitEntities(40);
    JsonObject drained = mirrorUntil(other, m -> m.getLong("outbox_depth") == 0 && m.getLong("mirrored") == 40);
    assertEquals(0, drained.getJsonArray("tools_missing").size());
    assertMirroredOnceInCommitOrder(40);
  }
}
