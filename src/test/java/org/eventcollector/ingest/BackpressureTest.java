package org.eventcollector.ingest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.Backends;
import org.eventcollector.SecurityFixtures;
import org.eventcollector.StrictNode;
import org.eventcollector.bus.Addresses;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When storage falls behind, ingest answers 503 with {@code Retry-After} instead of queueing without
 * bound; nothing acknowledged is lost; no event loop is blocked meanwhile.
 */
@ExtendWith({VertxExtension.class, PostgresServer.class})
class BackpressureTest {

  private static final int MAX_PENDING = 5;
  private static final int REQUESTS = 300;

  @TempDir
  static Path dir;
  /** The node of the running test, and how many blocked-thread warnings it had recorded when the test began. */
  private static StrictNode node;
  private static int warningsBefore;
  /** One node per backend, started by the first test that asks. */
  private static final Map<String, StrictNode> NODES = new HashMap<>();

  /** Points {@link #node} at the node on {@code backend}, starting it once. */
  private static void use(String backend) throws Exception {
    node = NODES.get(backend);
    if (node == null) {
      JsonObject config = Backends.on(backend, SecurityFixtures.config(dir));
      Config.set(config, ConfigKeys.Storage.MAX_PENDING, MAX_PENDING);
      Config.set(config, ConfigKeys.Storage.DURABILITY, "full");
      node = StrictNode.start(config);
      NODES.put(backend, node);
    }
    // Starting a node blocks an event loop on purpose, and every node's capture records it.
    warningsBefore = node.blockedThreadWarnings().size();
  }

  /** The blocked-thread warnings recorded since the running test began. */
  private static List<String> newWarnings() {
    List<String> all = node.blockedThreadWarnings();
    return all.subList(warningsBefore, all.size());
  }

  @AfterAll
  static void stop() throws Exception {
    for (StrictNode started : NODES.values()) {
      started.close();
    }
    NODES.clear();
  }

  /** Samples the storage queue depth every few milliseconds; the largest depth seen. */
  private static AtomicLong watchPending(List<Long> timers) {
    AtomicLong max = new AtomicLong();
    timers.add(node.vertx().setPeriodic(3, id -> node.vertx().eventBus()
      .<JsonObject>request(Addresses.STORAGE_HEALTH, new JsonObject())
      .onSuccess(reply -> max.accumulateAndGet(reply.body().getLong("pending_writes", 0L), Math::max))));
    return max;
  }

  private static Future<Long> countTagged(WebClient client, String tag) {
    return client.get(node.port(), "127.0.0.1", "/events/count?tags=" + tag).send()
      .map(response -> response.bodyAsJsonObject().getLong("count"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void restAnswers503WithRetryAfterWhenStorageFallsBehind(String backend, Vertx vertx, VertxTestContext ctx) throws Exception {
    use(backend);
    WebClient client = WebClient.create(vertx, new WebClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    String tag = "rest-" + System.nanoTime();
    List<Long> timers = new ArrayList<>();
    AtomicLong maxPending = watchPending(timers);
    List<Future<HttpResponse<Buffer>>> answers = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      JsonObject event = SecurityFixtures.event("mahavishnu").put("tags", new JsonArray().add(tag));
      answers.add(client.post(node.port(), "127.0.0.1", "/events").putHeader("Content-Type", "application/json")
        .sendBuffer(event.toBuffer()));
    }
    Future.all(answers).compose(all -> countTagged(client, tag)).onComplete(ctx.succeeding(stored -> ctx.verify(() -> {
      timers.forEach(node.vertx()::cancelTimer);
      int created = 0;
      int refused = 0;
      for (Future<HttpResponse<Buffer>> answer : answers) {
        HttpResponse<Buffer> response = answer.result();
        if (response.statusCode() == 201) {
          created++;
        } else {
          assertEquals(503, response.statusCode(), response.bodyAsString());
          assertEquals("1", response.getHeader("Retry-After"));
          assertTrue(response.bodyAsJsonObject().getString("error").startsWith("storage unavailable"), response.bodyAsString());
          refused++;
        }
      }
      assertTrue(refused > 0, "storage never fell behind: the test proves nothing");
      assertTrue(created > 0, "nothing got through");
      assertEquals(created, stored, "every 201 is stored, nothing refused is");
      assertTrue(maxPending.get() <= MAX_PENDING, "pending writes grew to " + maxPending.get());
      assertEquals(List.of(), newWarnings());
      ctx.completeNow();
    })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void theBusAnswersFailure503WhenStorageFallsBehind(String backend, Vertx vertx, VertxTestContext ctx) throws Exception {
    use(backend);
    String tag = "bus-" + System.nanoTime();
    List<Long> timers = new ArrayList<>();
    AtomicLong maxPending = watchPending(timers);
    List<Future<Object>> answers = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      JsonObject event = SecurityFixtures.event("crackerjack").put("tags", new JsonArray().add(tag));
      answers.add(node.vertx().eventBus().request(Addresses.INGEST, event).map(m -> m.body()));
    }
    Future.join(answers).onComplete(done -> countTagged(WebClient.create(vertx), tag)
      .onComplete(ctx.succeeding(stored -> ctx.verify(() -> {
        timers.forEach(node.vertx()::cancelTimer);
        int collected = 0;
        int refused = 0;
        for (Future<Object> answer : answers) {
          if (answer.succeeded()) {
            assertEquals("collected", ((JsonObject) answer.result()).getString("status"));
            collected++;
          } else {
            ReplyException failure = (ReplyException) answer.cause();
            assertEquals(ReplyFailure.RECIPIENT_FAILURE, failure.failureType());
            assertEquals(503, failure.failureCode(), failure.getMessage());
            refused++;
          }
        }
        assertTrue(refused > 0, "storage never fell behind: the test proves nothing");
        assertEquals(collected, stored);
        assertTrue(maxPending.get() <= MAX_PENDING, "pending writes grew to " + maxPending.get());
        assertEquals(List.of(), newWarnings());
        ctx.completeNow();
      }))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void aRefusedClientThatRetriesLaterGetsIn(String backend, Vertx vertx, VertxTestContext ctx) throws Exception {
    use(backend);
    WebClient client = WebClient.create(vertx);
    client.post(node.port(), "127.0.0.1", "/events").putHeader("Content-Type", "application/json")
      .sendBuffer(SecurityFixtures.event("akosha").toBuffer())
      .compose(created -> client.get(node.port(), "127.0.0.1", "/health").send().map(health -> {
        ctx.verify(() -> {
          assertEquals(201, created.statusCode(), created.bodyAsString());
          assertEquals(200, health.statusCode());
          assertEquals(0, health.bodyAsJsonObject().getJsonObject("storage").getInteger("pending_writes"));
        });
        return null;
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
