package org.eventcollector.stream;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.Backends;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebSocket stream: filters, resume and refusals, on each storage backend where the store answers. */
@ExtendWith({VertxExtension.class, PostgresServer.class})
@io.vertx.junit5.Timeout(value = 120, timeUnit = java.util.concurrent.TimeUnit.SECONDS)
class StreamWebSocketTest {

  private static final String[] SYSTEMS = {"mahavishnu", "crackerjack", "akosha"};
  private static final String[] TYPES = {"build", "test.failed", "deploy"};
  private static final String[] SEVERITIES = {"debug", "info", "warning", "error", "critical"};
  private static final List<String> SEVERITY_ORDER = List.of(SEVERITIES);

  @TempDir
  Path dir;
  private TestNode node;

  /** A node on {@code backend} that replays at most 1 000 events. */
  private void start(String backend) throws Exception {
    start(backend, 1_000);
  }

  private void start(String backend, int maxReplay) throws Exception {
    node = TestNode.start(dir, config -> {
      Backends.on(backend, config);
      Config.set(config, ConfigKeys.Stream.MAX_REPLAY, maxReplay);
    });
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static JsonObject mixed(int i) {
    JsonArray tags = new JsonArray();
    if (i % 2 == 0) {
      tags.add("x");
    }
    if (i % 3 == 0) {
      tags.add("y");
    }
    if (i % 5 == 0) {
      tags.add("z");
    }
    return TestNode.event("m-" + i, SYSTEMS[i % 3], TYPES[(i / 3) % 3])
      .put("severity", SEVERITIES[i % 5])
      .put("tags", tags)
      .put("correlation_id", i % 4 == 0 ? "c1" : "c2")
      .put("source_component", i % 7 == 0 ? "comp1" : null);
  }

  private static int rank(JsonObject event) {
    return SEVERITY_ORDER.indexOf(event.getString("severity"));
  }

  private static boolean hasTag(JsonObject event, String tag) {
    return event.getJsonArray("tags").contains(tag);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void eachFilterReceivesExactlyTheMatchingEventsInCommitOrder(String backend, Vertx vertx, VertxTestContext test) throws Exception {
    start(backend);
    Map<String, Predicate<JsonObject>> filters = new LinkedHashMap<>();
    filters.put("", e -> true);
    filters.put("source_system=mahavishnu", e -> e.getString("source_system").equals("mahavishnu"));
    filters.put("source_system=mahavishnu,akosha", e -> !e.getString("source_system").equals("crackerjack"));
    filters.put("event_type=build,deploy", e -> !e.getString("event_type").equals("test.failed"));
    filters.put("min_severity=error", e -> rank(e) >= 3);
    filters.put("severity=warning", e -> rank(e) >= 2);
    filters.put("tags=x,y", e -> hasTag(e, "x") && hasTag(e, "y"));
    filters.put("any_tags=y,z", e -> hasTag(e, "y") || hasTag(e, "z"));
    filters.put("correlation_id=c1", e -> "c1".equals(e.getString("correlation_id")));
    filters.put("source_component=comp1", e -> "comp1".equals(e.getString("source_component")));
    filters.put("source_system=mahavishnu&min_severity=warning&tags=x", e -> e.getString("source_system").equals("mahavishnu")
      && rank(e) >= 2 && hasTag(e, "x"));

    List<JsonObject> events = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      events.add(mixed(i));
    }
    // Matches every filter, so each client knows when it has seen everything.
    JsonObject last = TestNode.event("m-last", "mahavishnu", "build").put("severity", "critical")
      .put("tags", new JsonArray().add("x").add("y").add("z")).put("correlation_id", "c1").put("source_component", "comp1");
    events.add(last);

    Map<String, List<String>> received = new LinkedHashMap<>();
    List<Future<WebSocket>> sockets = new ArrayList<>();
    var done = test.checkpoint(filters.size());
    for (Map.Entry<String, Predicate<JsonObject>> filter : filters.entrySet()) {
      List<String> ids = new ArrayList<>();
      received.put(filter.getKey(), ids);
      List<String> expected = events.stream().filter(filter.getValue()).map(e -> e.getString("event_id")).toList();
      sockets.add(node.connect(vertx, "/events/stream?" + filter.getKey(), text -> {
        JsonObject event = new JsonObject(text);
        ids.add(event.getString("event_id"));
        if (event.getString("event_id").equals("m-last")) {
          test.verify(() -> assertEquals(expected, ids, "filter " + filter.getKey()));
          done.flag();
        }
      }));
    }
    Future.all(sockets)
      .compose(v -> node.ingestAll(List.of(new JsonArray(events.subList(0, 60)), new JsonArray(events.subList(60, events.size())))))
      .onFailure(test::failNow);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void resumeAcrossConcurrentIngestHasNoGapAndNoDuplicate(String backend, Vertx vertx, VertxTestContext test) throws Exception {
    // A replay limit that leaves room for everything committed while the replay is held back.
    start(backend, Config.integer(Defaults.config(), ConfigKeys.Stream.MAX_REPLAY, 0));
    resumeAcrossConcurrentIngest(vertx, test);
  }

  /**
   * Holds the replay request and its answer back for a while on the node's bus, so that commits
   * surely land both before the replay is read (the replay holds them too) and after it (they are
   * only in the live buffer).
   */
  private void slowDownReplay() {
    Vertx server = node.node.vertx();
    java.util.Set<String> replies = java.util.concurrent.ConcurrentHashMap.newKeySet();
    server.eventBus().addOutboundInterceptor(delivery -> {
      String address = delivery.message().address();
      if (org.eventcollector.bus.Addresses.STORAGE_REPLAY.equals(address)) {
        replies.add(delivery.message().replyAddress());
        server.setTimer(300, t -> delivery.next());
      } else if (address != null && replies.remove(address)) {
        server.setTimer(300, t -> delivery.next());
      } else {
        delivery.next();
      }
    });
  }

  private void resumeAcrossConcurrentIngest(Vertx vertx, VertxTestContext test) {
    slowDownReplay();
    List<JsonArray> before = new ArrayList<>();
    for (int b = 0; b < 5; b++) {
      JsonArray batch = new JsonArray();
      for (int i = 0; i < 100; i++) {
        batch.add(TestNode.event("r-" + (b * 100 + i), SYSTEMS[i % 3], "build"));
      }
      before.add(batch);
    }
    int live = 3_000;
    List<JsonArray> during = new ArrayList<>();
    for (int b = 0; b < live / 100; b++) {
      JsonArray batch = new JsonArray();
      for (int i = 0; i < 100; i++) {
        batch.add(TestNode.event("c-" + (b * 100 + i), SYSTEMS[i % 3], "build"));
      }
      during.add(batch);
    }
    List<String> expected = new ArrayList<>();
    for (int i = 250; i < 500; i++) {
      expected.add("r-" + i);
    }
    for (int i = 0; i < live; i++) {
      expected.add("c-" + i);
    }
    List<String> ids = new ArrayList<>();
    node.ingestAll(before).onComplete(test.succeeding(v -> {
      // The concurrent ingest starts first; the resume lands somewhere inside it.
      Future<Void> ingesting = node.ingestAll(during);
      vertx.setTimer(30, t -> node.connect(vertx, "/events/stream?after=r-249", text -> {
          ids.add(new JsonObject(text).getString("event_id"));
          if (ids.size() == expected.size()) {
            ingesting.onComplete(test.succeeding(x -> {
              test.verify(() -> assertEquals(expected, ids));
              test.completeNow();
            }));
          }
        }).onFailure(test::failNow));
      ingesting.onFailure(test::failNow);
    }));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void resumeReplaysOnlyTheMatchingEventsAfterTheGivenOne(String backend, Vertx vertx, VertxTestContext test) throws Exception {
    start(backend);
    JsonArray batch = new JsonArray();
    for (int i = 0; i < 30; i++) {
      batch.add(mixed(i));
    }
    List<String> expected = new ArrayList<>();
    for (int i = 11; i < 30; i++) {
      if (mixed(i).getString("source_system").equals("akosha")) {
        expected.add("m-" + i);
      }
    }
    List<String> ids = new ArrayList<>();
    node.ingest(batch)
      .compose(v -> node.connect(vertx, "/events/stream?source_system=akosha&after=m-10", text -> {
        ids.add(new JsonObject(text).getString("event_id"));
        if (ids.size() == expected.size()) {
          test.verify(() -> assertEquals(expected, ids));
          test.completeNow();
        }
      }))
      .onFailure(test::failNow);
  }

  private void refused(Vertx vertx, VertxTestContext test, String uri, int status) {
    node.connect(vertx, uri).onComplete(test.failing(e -> test.verify(() -> {
      assertTrue(e instanceof UpgradeRejectedException, e.toString());
      assertEquals(status, ((UpgradeRejectedException) e).getStatus(), uri);
      test.completeNow();
    })));
  }

  @Test
  void unknownFilterIsRefusedAtTheUpgradeWith400(Vertx vertx, VertxTestContext test) throws Exception {
    start("sqlite");
    refused(vertx, test, "/events/stream?sevrity=error", 400);
  }

  @Test
  void badSeverityIsRefusedAtTheUpgradeWith400(Vertx vertx, VertxTestContext test) throws Exception {
    start("sqlite");
    refused(vertx, test, "/events/stream?min_severity=loud", 400);
  }

  @Test
  void unknownSystemIsRefusedAtTheUpgradeWith400(Vertx vertx, VertxTestContext test) throws Exception {
    start("sqlite");
    refused(vertx, test, "/events/stream?source_system=nobody", 400);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void unknownAfterIdIsRefusedAtTheUpgradeWith404(String backend, Vertx vertx, VertxTestContext test) throws Exception {
    start(backend);
    refused(vertx, test, "/events/stream?after=no-such-event", 404);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void replayLongerThanMaxReplayIsRefusedWith400(String backend, Vertx vertx, VertxTestContext test) throws Exception {
    start(backend);
    List<JsonArray> batches = new ArrayList<>();
    for (int b = 0; b < 2; b++) {
      JsonArray batch = new JsonArray();
      for (int i = 0; i < 600; i++) {
        batch.add(TestNode.event("x-" + (b * 600 + i), "oneiric", "build"));
      }
      batches.add(batch);
    }
    node.ingestAll(batches).onComplete(test.succeeding(v -> refused(vertx, test, "/events/stream?after=x-0", 400)));
  }

  @Test
  void plainGetWithoutUpgradeIsA400(Vertx vertx, VertxTestContext test) throws Exception {
    start("sqlite");
    node.web.get(node.port, "127.0.0.1", "/events/stream").send().onComplete(test.succeeding(response -> test.verify(() -> {
      assertEquals(400, response.statusCode());
      assertTrue(response.bodyAsJsonObject().getString("error").contains("WebSocket"));
      test.completeNow();
    })));
  }

  @Test
  void clientsAreCountedInHealthWhileConnected(Vertx vertx, VertxTestContext test) throws Exception {
    start("sqlite");
    node.connect(vertx, "/events/stream").onComplete(test.succeeding(ws ->
      node.web.get(node.port, "127.0.0.1", "/health").send().onComplete(test.succeeding(response -> test.verify(() -> {
        assertTrue(response.bodyAsJsonObject().getJsonObject("collector").getInteger("active_websockets") >= 1,
          response.bodyAsString());
        ws.close().onComplete(test.succeedingThenComplete());
      })))));
    assertTrue(test.awaitCompletion(20, TimeUnit.SECONDS));
  }
}
