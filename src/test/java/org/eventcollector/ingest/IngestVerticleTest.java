package org.eventcollector.ingest;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.Backends;
import org.eventcollector.MainVerticle;
import org.eventcollector.TestCollector;
import org.eventcollector.bus.Addresses;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code events.ingest} and the read addresses over the event bus, on each storage backend. */
@ExtendWith({VertxExtension.class, PostgresServer.class})
class IngestVerticleTest {

  @TempDir
  Path dir;

  /** A node on {@code backend}: the SQLite file in {@code dir}, or a fresh PostgreSQL database. */
  private JsonObject config(String backend) {
    return Backends.on(backend, TestCollector.config(dir, backend));
  }

  private void deploy(Vertx vertx, VertxTestContext ctx, JsonObject config, Runnable then) {
    vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config))
      .onComplete(ctx.succeeding(id -> then.run()));
  }

  private static JsonObject event() {
    return new JsonObject().put("source_system", "crackerjack").put("event_type", "test.passed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void acknowledgesAfterCommitAndPublishesOnBothStreamAddresses(String backend, Vertx vertx, VertxTestContext ctx) {
    var received = ctx.checkpoint(2);
    deploy(vertx, ctx, config(backend), () -> {
      vertx.eventBus().<JsonObject>consumer(Addresses.STREAM, m -> ctx.verify(() -> {
        assertEquals("bus-1", m.body().getString("event_id"));
        assertTrue(Long.parseLong(m.headers().get("seq")) > 0);
        received.flag();
      }));
      vertx.eventBus().<JsonObject>consumer(Addresses.streamOf("crackerjack"), m -> received.flag());
      vertx.eventBus().<JsonObject>request(Addresses.INGEST, event().put("event_id", "bus-1"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals("collected", reply.body().getString("status"));
          assertEquals("bus-1", reply.body().getString("event_id"));
        })));
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void failsInvalidEventsWithCode400AndTheRestMessage(String backend, Vertx vertx, VertxTestContext ctx) {
    deploy(vertx, ctx, config(backend), () ->
      vertx.eventBus().request(Addresses.INGEST, event().put("severity", "loud"))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          ReplyException reply = (ReplyException) e;
          assertEquals(ReplyFailure.RECIPIENT_FAILURE, reply.failureType());
          assertEquals(400, reply.failureCode());
          assertTrue(reply.getMessage().contains("severity"), reply.getMessage());
          ctx.completeNow();
        }))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void answersBatchesAndRateLimitsLikeRest(String backend, Vertx vertx, VertxTestContext ctx) {
    JsonObject config = config(backend);
    Config.set(config, "rate_limit.systems.crackerjack.per_second", 0.01);
    Config.set(config, "rate_limit.systems.crackerjack.burst", 2);
    deploy(vertx, ctx, config, () ->
      vertx.eventBus().<JsonObject>request(Addresses.INGEST, new JsonArray().add(event()).add(event()).add(event()))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(2, reply.body().getInteger("collected"));
          assertEquals(1, reply.body().getInteger("failed"));
        })))
        .compose(v -> vertx.eventBus().request(Addresses.INGEST, event()))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertEquals(429, ((ReplyException) e).failureCode());
          assertEquals("rate limit exceeded for crackerjack", e.getMessage());
          ctx.completeNow();
        }))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void failsClosedWith503WithoutARateLimiter(String backend, Vertx vertx, VertxTestContext ctx) {
    JsonObject config = config(backend);
    Config.set(config, ConfigKeys.ROLES, new JsonArray().add("ingest").add("storage"));
    deploy(vertx, ctx, config, () ->
      vertx.eventBus().request(Addresses.INGEST, event())
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertEquals(503, ((ReplyException) e).failureCode());
          ctx.completeNow();
        }))));
  }

  @Test
  void answers503WhenNoNodeStores(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = TestCollector.config(dir, "sqlite");
    Config.set(config, ConfigKeys.ROLES, new JsonArray().add("ingest").add("ratelimit"));
    deploy(vertx, ctx, config, () ->
      vertx.eventBus().request(Addresses.INGEST, event())
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertEquals(503, ((ReplyException) e).failureCode());
          assertTrue(!dir.resolve("events.db").toFile().exists(), "a node without storage holds no database");
          ctx.completeNow();
        }))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void answersStatsAndHealthOverTheBusAsRestDoes(String backend, Vertx vertx, VertxTestContext ctx) {
    deploy(vertx, ctx, config(backend), () ->
      vertx.eventBus().<JsonObject>request(Addresses.INGEST, new JsonArray()
          .add(event().put("timestamp", "2025-02-05T01:00:00Z").put("severity", "error"))
          .add(event().put("timestamp", "2025-02-05T02:00:00Z"))
          .add(event().put("source_system", "akosha").put("timestamp", "2025-02-06T02:00:00Z")))
        .compose(batch -> vertx.eventBus().<JsonObject>request(Addresses.STATS,
          new JsonObject().put("start_time", "2025-02-05T00:00:00Z").put("end_time", "2025-02-06T00:00:00Z")))
        .compose(stats -> {
          ctx.verify(() -> {
            assertEquals(2, stats.body().getInteger("total_events"));
            assertEquals(new JsonObject().put("crackerjack", 2), stats.body().getJsonObject("by_source_system"));
            assertEquals(new JsonObject().put("error", 1).put("info", 1), stats.body().getJsonObject("by_severity"));
            assertEquals(new JsonObject().put("start", "2025-02-05T00:00:00.000Z").put("end", "2025-02-06T00:00:00.000Z"),
              stats.body().getJsonObject("time_range"), "the range as REST echoes it");
          });
          return vertx.eventBus().<JsonObject>request(Addresses.HEALTH, new JsonObject());
        })
        .onComplete(ctx.succeeding(health -> ctx.verify(() -> {
          assertEquals("healthy", health.body().getString("status"));
          assertEquals(backend, health.body().getJsonObject("storage").getString("storage_type"));
          assertEquals(3, health.body().getJsonObject("storage").getInteger("total_events"));
          assertEquals(3, health.body().getJsonObject("collector").getInteger("events_processed"));
          ctx.completeNow();
        }))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void answersGetQueryCountAndCorrelationOverTheBus(String backend, Vertx vertx, VertxTestContext ctx) {
    deploy(vertx, ctx, config(backend), () ->
      vertx.eventBus().request(Addresses.INGEST, event().put("event_id", "q-1").put("correlation_id", "c-1"))
        .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.GET, new JsonObject().put("event_id", "q-1")))
        .compose(got -> {
          ctx.verify(() -> assertEquals("c-1", got.body().getString("correlation_id")));
          return vertx.eventBus().<JsonObject>request(Addresses.QUERY,
            new JsonObject().put("source_system", new JsonArray().add("crackerjack")).put("limit", 5));
        })
        .compose(page -> {
          ctx.verify(() -> assertEquals(1, page.body().getInteger("count")));
          return vertx.eventBus().<JsonObject>request(Addresses.COUNT, new JsonObject().put("correlation_id", "c-1"));
        })
        .compose(count -> {
          ctx.verify(() -> assertEquals(1, count.body().getInteger("count")));
          return vertx.eventBus().<JsonObject>request(Addresses.CORRELATION, new JsonObject().put("correlation_id", "c-1"));
        })
        .compose(trace -> {
          ctx.verify(() -> assertEquals(1, trace.body().getInteger("count")));
          return vertx.eventBus().<JsonObject>request(Addresses.GET, new JsonObject().put("event_id", "nope"));
        })
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertEquals(404, ((ReplyException) e).failureCode());
          ctx.completeNow();
        }))));
  }
}
