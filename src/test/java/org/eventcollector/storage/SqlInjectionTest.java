package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.Backends;
import org.eventcollector.Main;
import org.eventcollector.SecurityFixtures;
import org.eventcollector.bus.Addresses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SQL (and FTS query syntax) in every query parameter is only ever a literal value: each answer
 * holds exactly the events whose field holds that literal, or is a 400 naming the parameter; the
 * table is intact afterwards. On every storage backend.
 */
@ExtendWith({VertxExtension.class, PostgresServer.class})
class SqlInjectionTest {

  static final List<String> INJECTIONS = List.of(
    "' OR '1'='1", "x'); DROP TABLE events; --", "\" OR \"\"=\"", "%", "_", "*", "\\", "1 OR 1=1",
    "') UNION SELECT seq FROM events --", "abc' --", "NULL", "%' OR 1=1 --", "\" OR 1=1 --", "title",
    "'; DELETE FROM events WHERE '1'='1", "events_fts MATCH '*'", "\"*\"", "NEAR(a b)", "a OR b", "-title",
    "^title", "ti*", "0x27", "\ud83d\ude00' OR 1=1", "%_%", "') OR ('a'='a", "nul\u0000nul");

  /** Free-text parameters: always 200, exactly the literal matches. */
  static final List<String> LITERAL = List.of("correlation_id", "source_component", "tags", "any_tags", "search");
  /** Enumerated or typed parameters: 400 naming the parameter (or 200 with no match). */
  static final List<String> TYPED = List.of("source_system", "event_type", "severity", "min_severity", "start_time",
    "end_time", "minutes", "hours", "days", "limit", "offset", "sort_by", "sort_order");

  @TempDir
  static Path dir;

  /** A node holding the probes' events, a client of it, and what it stored. */
  private record Fixture(Main.Node node, WebClient client, int port, List<JsonObject> stored) {
  }

  /** One node per backend, started by the first test that asks. */
  private static final Map<String, Fixture> FIXTURES = new HashMap<>();

  private static Fixture fixture(String backend) throws Exception {
    Fixture fixture = FIXTURES.get(backend);
    if (fixture == null) {
      fixture = start(Backends.on(backend, SecurityFixtures.config(dir)));
      FIXTURES.put(backend, fixture);
    }
    return fixture;
  }

  /** Starts the node on {@code config} and stores the probes' events. */
  private static Fixture start(JsonObject config) throws Exception {
    Main.Node node = SecurityFixtures.start(config);
    int port = node.main().httpPort();
    WebClient client = WebClient.create(node.vertx());
    JsonArray batch = new JsonArray();
    for (int i = 0; i < INJECTIONS.size(); i++) {
      String value = INJECTIONS.get(i);
      batch.add(SecurityFixtures.event("mahavishnu").put("event_type", "inj." + i).put("correlation_id", value)
        .put("source_component", value).put("tags", new JsonArray().add(value)).put("title", "title " + value));
    }
    for (int i = 0; i < 3; i++) {
      batch.add(SecurityFixtures.event("akosha").put("correlation_id", "plain").put("source_component", "plain")
        .put("tags", new JsonArray().add("plain")).put("title", "plain title " + i).put("description", "nothing odd"));
    }
    HttpResponse<Buffer> stored = client.post(port, "127.0.0.1", "/events/batch").putHeader("Content-Type", "application/json")
      .sendBuffer(batch.toBuffer()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(201, stored.statusCode(), stored.bodyAsString());
    assertEquals(batch.size(), stored.bodyAsJsonObject().getInteger("collected"), stored.bodyAsString());
    List<JsonObject> events = new ArrayList<>();
    batch.forEach(e -> events.add((JsonObject) e));
    return new Fixture(node, client, port, events);
  }

  @AfterAll
  static void stop() {
    FIXTURES.values().forEach(fixture -> fixture.node().close(10_000));
    FIXTURES.clear();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The ids of {@code stored} a literal reading of {@code param=value} selects. */
  static Set<String> expected(List<JsonObject> stored, String param, String value) {
    Set<String> ids = new TreeSet<>();
    for (JsonObject event : stored) {
      boolean match = switch (param) {
        case "correlation_id" -> value.equals(event.getString("correlation_id"));
        case "source_component" -> value.equals(event.getString("source_component"));
        case "tags", "any_tags" -> event.getJsonArray("tags").contains(value);
        case "search" -> {
          String text = value.trim();
          List<String> terms = text.isEmpty() ? List.of() : Arrays.asList(text.split("\\s+"));
          String title = event.getString("title", "").toLowerCase(Locale.ROOT);
          String description = event.getString("description", "").toLowerCase(Locale.ROOT);
          yield terms.stream().map(t -> t.toLowerCase(Locale.ROOT)).allMatch(t -> title.contains(t) || description.contains(t));
        }
        default -> false;
      };
      if (match) {
        ids.add(event.getString("event_id"));
      }
    }
    return ids;
  }

  private static Set<String> ids(JsonArray events) {
    Set<String> ids = new TreeSet<>();
    events.forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
    return ids;
  }

  private record Probe(String param, String value, Future<HttpResponse<Buffer>> events, Future<HttpResponse<Buffer>> count) {
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void injectionsInEveryQueryParameterMatchOnlyTheirLiteral(String backend, VertxTestContext ctx) throws Exception {
    Fixture fixture = fixture(backend);
    WebClient client = fixture.client();
    int port = fixture.port();
    List<Probe> probes = new ArrayList<>();
    for (String param : concat(LITERAL, TYPED)) {
      for (String value : INJECTIONS) {
        String query = param + "=" + encode(value);
        probes.add(new Probe(param, value,
          client.get(port, "127.0.0.1", "/events?" + (param.equals("limit") ? "" : "limit=1000&") + query).send(),
          client.get(port, "127.0.0.1", "/events/count?" + query).send()));
      }
    }
    Future.all(probes.stream().flatMap(p -> java.util.stream.Stream.of(p.events(), p.count())).toList())
      .compose(all -> client.get(port, "127.0.0.1", "/events/count").send())
      .onComplete(ctx.succeeding(total -> ctx.verify(() -> {
        for (Probe probe : probes) {
          String where = probe.param() + "=" + probe.value();
          HttpResponse<Buffer> events = probe.events().result();
          HttpResponse<Buffer> count = probe.count().result();
          if (LITERAL.contains(probe.param())) {
            assertEquals(200, events.statusCode(), where + ": " + events.bodyAsString());
            Set<String> want = expected(fixture.stored(), probe.param(), probe.value());
            assertEquals(want, ids(events.bodyAsJsonObject().getJsonArray("events")), where);
            assertEquals(200, count.statusCode(), where + ": " + count.bodyAsString());
            assertEquals(want.size(), count.bodyAsJsonObject().getInteger("count"), where);
          } else {
            for (HttpResponse<Buffer> response : List.of(events, count)) {
              if (response.statusCode() == 400) {
                assertEquals(probe.param(), response.bodyAsJsonObject().getString("field"), where);
              } else {
                assertEquals(200, response.statusCode(), where + ": " + response.bodyAsString());
                JsonObject body = response.bodyAsJsonObject();
                if (body.containsKey("events") && !probe.param().equals("limit") && !probe.param().equals("offset")
                  && !probe.param().startsWith("sort")) {
                  assertEquals(Set.of(), ids(body.getJsonArray("events")), where);
                }
              }
            }
          }
        }
        assertEquals(fixture.stored().size(), total.bodyAsJsonObject().getInteger("count"), "the table is intact");
        ctx.completeNow();
      })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void injectionsInPathsMatchOnlyTheirLiteral(String backend, VertxTestContext ctx) throws Exception {
    Fixture fixture = fixture(backend);
    WebClient client = fixture.client();
    int port = fixture.port();
    List<Future<HttpResponse<Buffer>>> byId = new ArrayList<>();
    List<Future<HttpResponse<Buffer>>> byCorrelation = new ArrayList<>();
    for (String value : INJECTIONS) {
      byId.add(client.get(port, "127.0.0.1", "/events/" + encode(value)).send());
      byCorrelation.add(client.get(port, "127.0.0.1", "/events/correlation/" + encode(value)).send());
    }
    Future.all(concat(byId, byCorrelation)).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      for (int i = 0; i < INJECTIONS.size(); i++) {
        String value = INJECTIONS.get(i);
        int status = byId.get(i).result().statusCode();
        assertTrue(status == 404 || status == 400, value + ": " + status);
        HttpResponse<Buffer> trace = byCorrelation.get(i).result();
        assertEquals(200, trace.statusCode(), value + ": " + trace.bodyAsString());
        assertEquals(expected(fixture.stored(), "correlation_id", value), ids(trace.bodyAsJsonObject().getJsonArray("events")), value);
      }
      ctx.completeNow();
    })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void injectionsInBusQueriesMatchOnlyTheirLiteral(String backend, VertxTestContext ctx) throws Exception {
    Fixture fixture = fixture(backend);
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (String value : INJECTIONS) {
      for (String param : LITERAL) {
        Object given = param.equals("correlation_id") || param.equals("search") ? value : new JsonArray().add(value);
        answers.add(fixture.node().vertx().eventBus().<JsonObject>request(Addresses.QUERY,
          new JsonObject().put(param, given).put("limit", 1000)).map(m -> m.body()));
      }
    }
    Future.all(answers).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      int k = 0;
      for (String value : INJECTIONS) {
        for (String param : LITERAL) {
          assertEquals(expected(fixture.stored(), param, value), ids(answers.get(k++).result().getJsonArray("events")), param + "=" + value);
        }
      }
      ctx.completeNow();
    })));
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
