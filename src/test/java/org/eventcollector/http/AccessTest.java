package org.eventcollector.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.Main;
import org.eventcollector.SecurityFixtures;
import org.eventcollector.SecurityFixtures.Key;
import org.eventcollector.SecurityFixtures.LogCapture;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** API keys on every REST route: 401 without a valid key, 403 without the scope or system, through otherwise. */
@ExtendWith(VertxExtension.class)
class AccessTest {

  private static final Key INGEST = Key.of(List.of("mahavishnu"), "ingest");
  private static final Key READ = Key.of(List.of(), "read");
  private static final Key ADMIN = Key.of(List.of(), "admin");
  private static final Key ALL = Key.of(List.of("mahavishnu", "crackerjack"), "ingest", "read", "admin");
  /** Stored in the key file with an upper-case hash: hashes compare case-insensitively. */
  private static final Key UPPER = Key.of(List.of(), "read");

  @TempDir
  static Path dir;
  private static Main.Node node;
  private static WebClient client;
  private static int port;
  private static String storedId;

  /** A route, the scope it needs and what it answers to a key that holds it. */
  private record Route(HttpMethod method, String uri, Function<Void, Buffer> body, String scope, int ok) {
    @Override
    public String toString() {
      return method + " " + uri;
    }
  }

  /** The analyses answer from the analysis role; here only that the key is let through matters. */
  private static final int PASSED = 0;

  private static List<Route> routes() {
    return List.of(
      new Route(HttpMethod.POST, "/events", v -> SecurityFixtures.event("mahavishnu").toBuffer(), Access.INGEST, 201),
      new Route(HttpMethod.POST, "/events/batch", v -> new JsonArray().add(SecurityFixtures.event("mahavishnu")).toBuffer(),
        Access.INGEST, 201),
      new Route(HttpMethod.GET, "/events/" + storedId, null, Access.READ, 200),
      new Route(HttpMethod.GET, "/events?source_system=mahavishnu", null, Access.READ, 200),
      new Route(HttpMethod.GET, "/events/count", null, Access.READ, 200),
      new Route(HttpMethod.GET, "/events/correlation/wf-1", null, Access.READ, 200),
      new Route(HttpMethod.GET, "/events/stats", null, Access.READ, 200),
      new Route(HttpMethod.GET, "/analysis/errors", null, Access.READ, PASSED),
      new Route(HttpMethod.GET, "/analysis/patterns", null, Access.READ, PASSED),
      new Route(HttpMethod.GET, "/analysis/report", null, Access.READ, PASSED),
      new Route(HttpMethod.GET, "/metrics", null, Access.READ, 200),
      new Route(HttpMethod.DELETE, "/events?before=2000-01-01T00:00:00Z", null, Access.ADMIN, 200),
      new Route(HttpMethod.GET, "/rate-limits", null, Access.ADMIN, 200),
      new Route(HttpMethod.PUT, "/rate-limits/oneiric", v -> new JsonObject().put("per_second", 1_000_000)
        .put("burst", 1_000_000).toBuffer(), Access.ADMIN, 200));
  }

  @BeforeAll
  static void startNode() throws Exception {
    Path keys = SecurityFixtures.keyFile(dir, List.of(INGEST, READ, ADMIN, ALL, UPPER));
    JsonArray entries = new JsonArray(Files.readString(keys));
    JsonObject upper = entries.getJsonObject(4);
    upper.put("key_sha256", upper.getString("key_sha256").toUpperCase(Locale.ROOT));
    Files.writeString(keys, entries.encode());
    JsonObject config = SecurityFixtures.config(dir);
    Config.set(config, ConfigKeys.Auth.API_KEYS_FILE, keys.toString());
    node = SecurityFixtures.start(config);
    port = node.main().httpPort();
    client = WebClient.create(node.vertx());
    JsonObject event = SecurityFixtures.event("mahavishnu");
    HttpResponse<Buffer> stored = request(HttpMethod.POST, "/events", ALL.secret(), event.toBuffer())
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(201, stored.statusCode(), stored.bodyAsString());
    storedId = event.getString("event_id");
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close(10_000);
    }
  }

  private static Future<HttpResponse<Buffer>> request(HttpMethod method, String uri, String bearer, Buffer body) {
    return send(method, uri, bearer == null ? null : "Bearer " + bearer, body);
  }

  private static Future<HttpResponse<Buffer>> send(HttpMethod method, String uri, String authorization, Buffer body) {
    HttpRequest<Buffer> request = client.request(method, port, "127.0.0.1", uri);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    if (body != null) {
      return request.putHeader("Content-Type", "application/json").sendBuffer(body);
    }
    return request.send();
  }

  private static Future<HttpResponse<Buffer>> call(Route route, String bearer) {
    return request(route.method(), route.uri(), bearer, route.body() == null ? null : route.body().apply(null));
  }

  /** Sends every route with the key {@code keyFor} picks and checks each answer with {@code check}. */
  private void everyRoute(VertxTestContext ctx, Function<Route, String> keyFor, Checker check) {
    List<Route> routes = routes();
    List<Future<HttpResponse<Buffer>>> answers = new ArrayList<>();
    for (Route route : routes) {
      answers.add(call(route, keyFor.apply(route)));
    }
    Future.all(answers).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      for (int i = 0; i < routes.size(); i++) {
        check.check(routes.get(i), answers.get(i).result());
      }
      ctx.completeNow();
    })));
  }

  private interface Checker {
    void check(Route route, HttpResponse<Buffer> response);
  }

  private static void assertError(Route route, HttpResponse<Buffer> response, int status) {
    assertEquals(status, response.statusCode(), route + ": " + response.bodyAsString());
    assertEquals("application/json", response.getHeader("Content-Type"), route.toString());
    JsonObject body = response.bodyAsJsonObject();
    assertNotNull(body.getString("error"), route.toString());
    assertTrue(body.containsKey("field"), route.toString());
  }

  @Test
  void everyProtectedRouteAnswers401WithoutAKey(VertxTestContext ctx) {
    everyRoute(ctx, route -> null, (route, response) -> {
      assertError(route, response, 401);
      assertEquals("Bearer", response.getHeader("WWW-Authenticate"), route.toString());
    });
  }

  @Test
  void everyProtectedRouteAnswers401ForAnUnknownKey(VertxTestContext ctx) {
    everyRoute(ctx, route -> "not-a-known-key", (route, response) -> assertError(route, response, 401));
  }

  @Test
  void aKeyWithoutTheRouteScopeGets403(VertxTestContext ctx) {
    everyRoute(ctx, route -> route.scope().equals(Access.READ) ? INGEST.secret() : READ.secret(),
      (route, response) -> assertError(route, response, 403));
  }

  @Test
  void aKeyWithTheRouteScopeGetsThrough(VertxTestContext ctx) {
    everyRoute(ctx, route -> switch (route.scope()) {
      case Access.INGEST -> INGEST.secret();
      case Access.READ -> READ.secret();
      default -> ADMIN.secret();
    }, (route, response) -> {
      if (route.ok() == PASSED) {
        assertNotEquals(401, response.statusCode(), route.toString());
        assertNotEquals(403, response.statusCode(), route.toString());
      } else {
        assertEquals(route.ok(), response.statusCode(), route + ": " + response.bodyAsString());
      }
    });
  }

  @Test
  void aKeyMayNotIngestForASystemItDoesNotHold(VertxTestContext ctx) {
    JsonObject single = SecurityFixtures.event("crackerjack");
    JsonObject allowed = SecurityFixtures.event("mahavishnu");
    JsonObject forbidden = SecurityFixtures.event("crackerjack");
    JsonArray batch = new JsonArray().add(allowed).add(forbidden);
    request(HttpMethod.POST, "/events", INGEST.secret(), single.toBuffer())
      .compose(one -> request(HttpMethod.POST, "/events/batch", INGEST.secret(), batch.toBuffer()).compose(many ->
        request(HttpMethod.GET, "/events/" + allowed.getString("event_id"), ALL.secret(), null).compose(headOfBatch ->
          request(HttpMethod.GET, "/events/" + single.getString("event_id"), ALL.secret(), null).map(lone -> {
            ctx.verify(() -> {
              Route post = new Route(HttpMethod.POST, "/events", null, Access.INGEST, 201);
              assertError(post, one, 403);
              assertEquals("source_system", one.bodyAsJsonObject().getString("field"));
              assertError(new Route(HttpMethod.POST, "/events/batch", null, Access.INGEST, 201), many, 403);
              assertEquals(404, headOfBatch.statusCode(), "a forbidden batch stores nothing, not even its allowed events");
              assertEquals(404, lone.statusCode());
            });
            return null;
          }))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aKeyMayIngestForEachOfItsSystems(VertxTestContext ctx) {
    JsonArray batch = new JsonArray().add(SecurityFixtures.event("mahavishnu")).add(SecurityFixtures.event("crackerjack"));
    request(HttpMethod.POST, "/events/batch", ALL.secret(), batch.toBuffer()).onComplete(ctx.succeeding(response ->
      ctx.verify(() -> {
        assertEquals(201, response.statusCode(), response.bodyAsString());
        assertEquals(2, response.bodyAsJsonObject().getInteger("collected"));
        ctx.completeNow();
      })));
  }

  @Test
  void healthOpenapiAndTheConsoleNeedNoKey(VertxTestContext ctx) {
    Future<HttpResponse<Buffer>> health = request(HttpMethod.GET, "/health", null, null);
    Future<HttpResponse<Buffer>> openapi = request(HttpMethod.GET, "/openapi.json", null, null);
    Future<HttpResponse<Buffer>> console = request(HttpMethod.GET, "/", null, null);
    Future.all(health, openapi, console).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      assertEquals(200, health.result().statusCode());
      assertEquals("healthy", health.result().bodyAsJsonObject().getString("status"));
      assertEquals(200, openapi.result().statusCode());
      assertTrue(openapi.result().bodyAsJsonObject().containsKey("openapi"));
      assertNotEquals(401, console.result().statusCode());
      assertNotEquals(403, console.result().statusCode());
      ctx.completeNow();
    })));
  }

  @Test
  void hashesInTheKeyFileCompareCaseInsensitively(VertxTestContext ctx) {
    request(HttpMethod.GET, "/events/count", UPPER.secret(), null).onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      assertEquals(200, response.statusCode(), response.bodyAsString());
      ctx.completeNow();
    })));
  }

  @Test
  void restTakesTheKeyOnlyFromTheAuthorizationHeader(VertxTestContext ctx) {
    Future<HttpResponse<Buffer>> query = request(HttpMethod.GET, "/events/count?api_key=" + READ.secret(), null, null);
    Future<HttpResponse<Buffer>> basic = send(HttpMethod.GET, "/events/count", "Basic " + READ.secret(), null);
    Future<HttpResponse<Buffer>> empty = send(HttpMethod.GET, "/events/count", "Bearer ", null);
    Future<HttpResponse<Buffer>> lower = send(HttpMethod.GET, "/events/count", "bearer " + READ.secret(), null);
    Future.all(query, basic, empty, lower).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      assertEquals(401, query.result().statusCode());
      assertEquals(401, basic.result().statusCode());
      assertEquals(401, empty.result().statusCode());
      assertEquals(200, lower.result().statusCode(), "the scheme name is case-insensitive");
      ctx.completeNow();
    })));
  }

  @Test
  void streamPathsTakeTheKeyFromTheQueryToo(VertxTestContext ctx) {
    Future<HttpResponse<Buffer>> stream = request(HttpMethod.GET, "/events/stream?api_key=" + READ.secret(), null, null);
    Future<HttpResponse<Buffer>> bridge = request(HttpMethod.GET, "/eventbus/info?api_key=" + READ.secret(), null, null);
    Future<HttpResponse<Buffer>> badStream = request(HttpMethod.GET, "/events/stream?api_key=wrong", null, null);
    Future<HttpResponse<Buffer>> badBridge = request(HttpMethod.GET, "/eventbus/info?api_key=wrong", null, null);
    Future<HttpResponse<Buffer>> noKey = request(HttpMethod.GET, "/eventbus/info", null, null);
    Future.all(stream, bridge, badStream, badBridge, noKey).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      assertNotEquals(401, stream.result().statusCode());
      assertNotEquals(401, bridge.result().statusCode());
      assertEquals(401, badStream.result().statusCode());
      assertEquals(401, badBridge.result().statusCode());
      assertEquals(401, noKey.result().statusCode());
      ctx.completeNow();
    })));
  }

  @Test
  void apiKeysNeverAppearInTheLogs(VertxTestContext ctx) {
    String secret = "secret-" + System.nanoTime();
    LogCapture logs = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME);
    List<Future<HttpResponse<Buffer>>> answers = new ArrayList<>();
    for (String uri : List.of("/events/stream?api_key=" + secret, "/eventbus/info?api_key=" + secret,
        "/events?api_key=" + secret, "/events/count?api_key=" + secret, "/no/such/path?api_key=" + secret,
        "/events/%ZZ?api_key=" + secret, "/health?api_key=" + secret, "/metrics?api_key=" + secret)) {
      answers.add(request(HttpMethod.GET, uri, null, null));
      answers.add(request(HttpMethod.GET, uri, READ.secret(), null));
      answers.add(request(HttpMethod.POST, uri, secret, Buffer.buffer("{not json")));
      answers.add(send(HttpMethod.GET, uri, "Bearer " + secret, null));
    }
    Future.join(answers).onComplete(done -> ctx.verify(() -> {
      logs.close();
      for (String line : logs.lines()) {
        assertFalse(line.contains(secret), "a key leaked into the log: " + line);
      }
      ctx.completeNow();
    }));
  }

  @Test
  void malformedKeyFilesAreRefusedAsAWhole(@TempDir Path tmp) throws Exception {
    String hash = Access.sha256("k");
    List<String> bad = List.of(
      "{}",
      "[1]",
      "[{\"key_sha256\": \"abc\", \"scopes\": [\"read\"]}]",
      "[{\"key_sha256\": \"" + hash + "\", \"scopes\": [\"reads\"]}]",
      "[{\"key_sha256\": \"" + hash + "\", \"scopes\": \"read\"}]",
      "[{\"key_sha256\": \"" + hash + "\", \"scopes\": [\"read\"], \"systems\": [1]}]",
      "not json");
    for (String text : bad) {
      Path file = tmp.resolve("keys.json");
      Files.writeString(file, text);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Access.load(file), text);
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
    Files.writeString(tmp.resolve("keys.json"), "[{\"key_sha256\": \"" + hash + "\", \"scopes\": [\"read\"]}]");
    assertEquals(java.util.Set.of("read"), Access.load(tmp.resolve("keys.json")).lookup("k").scopes());
  }

  @Test
  void aNodeWithAnUnreadableKeyFileDoesNotStart(@TempDir Path tmp) {
    JsonObject config = SecurityFixtures.config(tmp);
    Config.set(config, ConfigKeys.Auth.API_KEYS_FILE, tmp.resolve("missing.json").toString());
    ExecutionException e = assertThrows(ExecutionException.class, () -> Main.Node.start(config).get(60, TimeUnit.SECONDS));
    assertTrue(String.valueOf(e.getCause().getMessage()).contains("missing.json"), String.valueOf(e.getCause()));
  }
}
