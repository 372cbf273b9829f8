package org.eventcollector.storage;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.bus.Addresses;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.eventcollector.event.Event;
import org.eventcollector.metrics.CollectorMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Deleting old events: exactly the strictly older ones, in chunks, at start when retention is on. */
@ExtendWith(VertxExtension.class)
@ExtendWith(PostgresServer.class)
class RetentionTest {

  private static final long DAY = 86_400_000L;

  @TempDir
  Path dir;

  private JsonObject conf(String backend) {
    JsonObject conf = Defaults.config();
    Config.set(conf, ConfigKeys.Storage.BACKEND, backend);
    Config.set(conf, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("events.db").toString());
    if (backend.equals("postgres")) {
      PostgresServer.get().configure(conf);
    }
    return conf;
  }

  private static JsonObject event(String id, long at) {
    return new JsonObject().put("event_id", id).put("timestamp", Event.formatTime(at))
      .put("source_system", "akosha").put("event_type", "tick").put("severity", "info")
      .put("title", "tick " + id).put("description", "").put("data", new JsonObject())
      .put("tags", new JsonArray().add("t")).put("metadata", new JsonObject());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void deletesExactlyTheEventsStrictlyOlderInChunks(String backend, Vertx vertx) throws Exception {
    await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf(backend))));
    long t0 = Event.parseTime("2026-01-01T00:00:00Z");
    JsonArray events = new JsonArray();
    for (int i = 0; i < 57; i++) {
      events.add(event("e" + i, t0 + i * 1000L));
    }
    await(vertx.eventBus().request(Addresses.STORAGE_INSERT, new JsonObject().put("events", events)));
    double before = CollectorMetrics.get().registry().counter("event_collector_retention_deleted").count();
    JsonObject answer = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_DELETE,
      new JsonObject().put("before", t0 + 25_000L).put("chunk", 10))).body();
    assertEquals(25, answer.getInteger("deleted"), "e0 … e24; e25 is at the bound and stays");
    assertEquals(25.0, CollectorMetrics.get().registry().counter("event_collector_retention_deleted").count() - before);
    assertEquals(32, count(vertx, new JsonObject()));
    assertEquals(32, count(vertx, new JsonObject().put("tags", "t")));
    assertEquals(1, count(vertx, new JsonObject().put("start_time", Event.formatTime(t0 + 25_000L))
      .put("end_time", Event.formatTime(t0 + 26_000L))));
    JsonObject again = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_DELETE,
      new JsonObject().put("before", t0 + 25_000L))).body();
    assertEquals(0, again.getInteger("deleted"));
  }

  @Test
  void refusesADeleteWithoutBefore(Vertx vertx) throws Exception {
    await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf("memory"))));
    Exception failure = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () ->
      await(vertx.eventBus().request(Addresses.STORAGE_DELETE, new JsonObject())));
    assertEquals(400, ((io.vertx.core.eventbus.ReplyException) failure.getCause()).failureCode());
  }

  @Test
  void retentionDaysDeletesOlderEventsAtStart(Vertx vertx, VertxTestContext ctx) throws Exception {
    String first = await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf("sqlite"))));
    long now = System.currentTimeMillis();
    JsonArray events = new JsonArray()
      .add(event("three-days", now - 3 * DAY))
      .add(event("two-days", now - 2 * DAY))
      .add(event("day-and-hour", now - DAY - 3_600_000L))
      .add(event("almost-a-day", now - DAY + 3_600_000L))
      .add(event("an-hour", now - 3_600_000L));
    await(vertx.eventBus().request(Addresses.STORAGE_INSERT, new JsonObject().put("events", events)));
    await(vertx.undeploy(first));

    JsonObject conf = conf("sqlite");
    Config.set(conf, ConfigKeys.Retention.DAYS, 1);
    await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf)));
    long deadline = System.currentTimeMillis() + 20_000;
    vertx.setPeriodic(50, id -> vertx.eventBus().<JsonObject>request(Addresses.QUERY, new JsonObject()).onSuccess(reply -> {
      TreeSet<String> ids = new TreeSet<>();
      reply.body().getJsonArray("events").forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
      if (ids.size() == 2) {
        vertx.cancelTimer(id);
        ctx.verify(() -> assertEquals(List.of("almost-a-day", "an-hour"), List.copyOf(ids)));
        ctx.completeNow();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        ctx.failNow("retention did not run at start: " + ids);
      }
    }));
    ctx.awaitCompletion(30, TimeUnit.SECONDS);
  }

  private static long count(Vertx vertx, JsonObject query) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Addresses.COUNT, query)).body().getLong("count");
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
