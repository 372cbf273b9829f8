package org.eventcollector.alerts;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.Backends;
import org.eventcollector.TestCollector;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saved queries over REST, {@code ?saved=} on queries, counts and the stream, and their survival of a restart. */
@ExtendWith(PostgresServer.class)
class SavedQueriesTest {

  @TempDir
  Path dir;

  private TestCollector node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private TestCollector start(String backend) {
    node = TestCollector.start(Backends.on(backend, TestCollector.config(dir, backend)));
    return node;
  }

  static TestCollector.Response put(TestCollector node, String uri, JsonObject body) {
    return node.send(HttpMethod.PUT, uri, body.toBuffer(), "application/json", Map.of());
  }

  static TestCollector.Response delete(TestCollector node, String uri) {
    return node.send(HttpMethod.DELETE, uri, null, null, Map.of());
  }

  private void ingestCorpus() {
    JsonArray events = new JsonArray();
    for (int i = 0; i < 6; i++) {
      String system = i % 2 == 0 ? "akosha" : "crackerjack";
      events.add(new JsonObject().put("event_id", "e-" + i).put("source_system", system)
        .put("event_type", i < 3 ? "test.run" : "test.failed").put("severity", i < 3 ? "info" : "error"));
    }
    assertEquals(201, node.post("/events/batch", events).status());
  }

  @Test
  void savedQueryIsStoredReadListedAndDeleted() {
    start("sqlite");
    JsonObject body = new JsonObject().put("params", new JsonObject().put("min_severity", "error")
      .put("source_system", new JsonArray().add("akosha").add("crackerjack"))).put("description", "errors");
    TestCollector.Response stored = put(node, "/queries/errors", body);
    assertEquals(200, stored.status(), stored.toString());
    JsonObject expected = body.copy().put("name", "errors");
    assertEquals(expected, stored.json());
    assertEquals(expected, node.get("/queries/errors").json());
    assertEquals(new JsonArray().add(expected), node.get("/queries").json().getJsonArray("queries"));
    assertEquals(204, delete(node, "/queries/errors").status());
    assertEquals(404, node.get("/queries/errors").status());
    assertEquals(404, delete(node, "/queries/errors").status());
    assertEquals(new JsonArray(), node.get("/queries").json().getJsonArray("queries"));
  }

  @Test
  void badSavedQueriesAreRefusedNamingTheField() {
    start("memory");
    assertField(put(node, "/queries/Bad%20Name", new JsonObject().put("params", new JsonObject())), 400, "name");
    assertField(put(node, "/queries/" + "a".repeat(65), new JsonObject().put("params", new JsonObject())), 400, "name");
    assertField(put(node, "/queries/q", new JsonObject().put("params", new JsonObject().put("limit", 5))), 400, "limit");
    assertField(put(node, "/queries/q", new JsonObject().put("params", new JsonObject().put("sevrity", "error"))), 400, "sevrity");
    assertField(put(node, "/queries/q", new JsonObject().put("params", new JsonObject().put("severity", "loud"))), 400, "severity");
    assertField(put(node, "/queries/q", new JsonObject().put("params", new JsonObject().put("source_system", "nope"))), 400, "source_system");
    assertField(put(node, "/queries/q", new JsonObject().put("params", new JsonObject().put("hours", "1").put("start_time", "2026-01-01T00:00:00Z"))), 400, "hours");
    assertField(put(node, "/queries/q", new JsonObject().put("params", "x")), 400, "params");
    assertField(put(node, "/queries/q", new JsonObject().put("parms", new JsonObject())), 400, "parms");
    assertEquals(415, node.send(HttpMethod.PUT, "/queries/q", Buffer.buffer("{}"), "text/plain", Map.of()).status());
    assertEquals(400, node.send(HttpMethod.PUT, "/queries/q", Buffer.buffer("{"), "application/json", Map.of()).status());
    assertEquals(404, node.get("/queries/unknown").status());
    assertEquals(405, node.send(HttpMethod.POST, "/queries", Buffer.buffer("{}"), "application/json", Map.of()).status());
  }

  private static void assertField(TestCollector.Response response, int status, String field) {
    assertEquals(status, response.status(), response.toString());
    assertEquals(field, response.json().getString("field"), response.toString());
  }

  @Test
  void savedParameterAppliesToQueriesAndCountsAndCombinesWithExplicitOnes() {
    start("sqlite");
    ingestCorpus();
    assertEquals(200, put(node, "/queries/akosha", new JsonObject()
      .put("params", new JsonObject().put("source_system", "akosha").put("sort_order", "asc"))).status());
    TestCollector.Response events = node.get("/events?saved=akosha");
    assertEquals(200, events.status(), events.toString());
    assertEquals(List.of("e-0", "e-2", "e-4"), ids(events.json()));
    assertEquals(3, node.get("/events/count?saved=akosha").json().getInteger("count"));
    assertEquals(List.of("e-4"), ids(node.get("/events?saved=akosha&severity=error").json()));
    assertEquals(1, node.get("/events/count?saved=akosha&severity=error").json().getInteger("count"));
    // The same value again is no conflict; another value is.
    assertEquals(200, node.get("/events?saved=akosha&source_system=akosha").status());
    assertField(node.get("/events?saved=akosha&source_system=crackerjack"), 400, "source_system");
    assertField(node.get("/events/count?saved=akosha&source_system=crackerjack"), 400, "source_system");
    assertEquals(200, put(node, "/queries/last-hour", new JsonObject().put("params", new JsonObject().put("hours", "1"))).status());
    assertField(node.get("/events?saved=last-hour&start_time=2026-01-01T00:00:00Z"), 400, "hours");
    assertField(node.get("/events?saved=nope"), 404, "saved");
    assertField(node.get("/events/count?saved=nope"), 404, "saved");
    assertField(node.get("/events?saved=Not%20A%20Name"), 404, "saved");
    assertField(node.get("/events?saved=a&saved=b"), 400, "saved");
  }

  @Test
  void savedParameterAppliesToTheStreamWithOnlyStreamFilters() throws Exception {
    start("sqlite");
    assertEquals(200, put(node, "/queries/akosha-errors", new JsonObject()
      .put("params", new JsonObject().put("source_system", "akosha").put("min_severity", "error"))).status());
    assertEquals(200, put(node, "/queries/searching", new JsonObject()
      .put("params", new JsonObject().put("search", "timeout"))).status());
    assertEquals(400, refusal("/events/stream?saved=searching"));
    assertEquals(404, refusal("/events/stream?saved=nope"));
    assertEquals(400, refusal("/events/stream?saved=akosha-errors&source_system=crackerjack"));

    List<String> received = new CopyOnWriteArrayList<>();
    WebSocket socket = TestCollector.await(connect("/events/stream?saved=akosha-errors", received));
    ingestCorpus();
    Poll.until(10, () -> received.size() >= 1, received::toString);
    node.ingest(new JsonObject().put("event_id", "marker").put("source_system", "akosha").put("event_type", "x")
      .put("severity", "critical"));
    Poll.until(10, () -> received.contains("marker"), received::toString);
    assertEquals(List.of("e-4", "marker"), received);
    socket.close();
  }

  private Future<WebSocket> connect(String uri, List<String> received) {
    var client = node.vertx().createWebSocketClient();
    var socket = client.webSocket();
    if (received != null) {
      socket.textMessageHandler(text -> received.add(new JsonObject(text).getString("event_id")));
    }
    return socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port()).setURI(uri));
  }

  private int refusal(String uri) {
    Throwable failure = connect(uri, null).toCompletionStage().toCompletableFuture().handle((ws, e) -> e).join();
    Throwable cause = failure.getCause() == null ? failure : failure.getCause();
    assertInstanceOf(UpgradeRejectedException.class, cause, String.valueOf(cause));
    return ((UpgradeRejectedException) cause).getStatus();
  }

  private static List<String> ids(JsonObject answer) {
    return answer.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("event_id")).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void savedQueriesRulesAndStatesSurviveARestart(String backend) {
    var config = Backends.on(backend, TestCollector.config(dir, backend));
    node = TestCollector.start(config);
    assertEquals(200, put(node, "/queries/kept", new JsonObject().put("params", new JsonObject().put("event_type", "x"))).status());
    JsonObject rule = new JsonObject().put("kind", "absence").put("query", "kept").put("window_minutes", 5);
    assertEquals(200, put(node, "/alerts/quiet", rule).status());
    // The node's evaluator finds no event of type x: the rule fires, and its state is stored.
    Poll.until(20, () -> "firing".equals(state(node)), () -> node.get("/alerts/quiet").toString());
    JsonObject before = node.get("/alerts/quiet").json();
    node.close();
    node = TestCollector.start(config);
    assertEquals(new JsonObject().put("name", "kept").put("params", new JsonObject().put("event_type", "x"))
      .put("description", ""), node.get("/queries/kept").json());
    JsonObject after = node.get("/alerts/quiet").json();
    assertEquals(before.copy().put("state", null), after.copy().put("state", null));
    assertEquals("firing", after.getJsonObject("state").getString("state"));
    assertEquals(before.getJsonObject("state").getString("since"), after.getJsonObject("state").getString("since"));
    assertTrue(node.get("/queries").json().getJsonArray("queries").size() == 1);
  }

  private static String state(TestCollector node) {
    return node.get("/alerts/quiet").json().getJsonObject("state").getString("state");
  }
}
