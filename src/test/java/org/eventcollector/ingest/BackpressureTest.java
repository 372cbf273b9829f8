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
import org.eventcollector.SecurityFixtures;
import org.eventcollector.StrictNode;
import org.eventcollector.bus.Addresses;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When storage falls behind, ingest answers 503 with {@code Retry-After} instead of queueing without
 * bound; nothing acknowledged is lost; no event loop is blocked meanwhile.
 */
@ExtendWith(VertxExtension.class)
class BackpressureTest {

  private static final int MAX_PENDING = 5;
  private static final int REQUESTS = 300;

  @TempDir
  static Path dir;
  private static StrictNode node;

  @BeforeAll
  static void start() throws Exception {
    JsonObject config = SecurityFixtures.config(dir);
    Config.set(config, ConfigKeys.Storage.MAX_PENDING, MAX_PENDING);
    Config.set(config, ConfigKeys.Storage.DURABILITY, "full");
    node = StrictNode.start(config);
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
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

  @Test
  void restAnswers503WithRetryAfterWhenStorageFallsBehind(Vertx vertx, VertxTestContext ctx) {
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
      assertEquals(List.of(), node.blockedThreadWarnings());
      ctx.completeNow();
    })));
  }

  @Test
  void theBusAnswersFailure503WhenStorageFallsBehind(Vertx vertx, VertxTestContext ctx) {
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
        assertEquals(List.of(), node.blockedThreadWarnings());
        ctx.completeNow();
      }))));
  }

  @Test
  void aRefusedClientThatRetriesLaterGetsIn(Vertx vertx, VertxTestContext ctx) {
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
