package org.eventcollector.storage;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
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
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Retention per system: {@code retention.systems.<system>.days} overrides {@code retention.days}, also when that is off. */
@ExtendWith(VertxExtension.class)
@ExtendWith(PostgresServer.class)
class RetentionSystemsTest {

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

  private static JsonArray corpus(long now) {
    JsonArray events = new JsonArray();
    for (String system : List.of("akosha", "mahavishnu", "oneiric")) {
      events.add(event(system + "-old", system, now - 3 * DAY)).add(event(system + "-new", system, now - 3_600_000L));
    }
    return events;
  }

  private static JsonObject event(String id, String system, long at) {
    return new JsonObject().put("event_id", id).put("timestamp", Event.formatTime(at)).put("source_system", system)
      .put("event_type", "tick").put("severity", "info").put("title", id).put("description", "")
      .put("data", new JsonObject()).put("tags", new JsonArray().add("t")).put("metadata", new JsonObject());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "postgres"})
  void systemDaysApplyAtStartAlsoWhenRetentionDaysIsOff(String backend, Vertx vertx) throws Exception {
    JsonObject conf = conf(backend);
    String first = RetentionTest.await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf)));
    RetentionTest.await(vertx.eventBus().request(Addresses.STORAGE_INSERT,
      new JsonObject().put("events", corpus(System.currentTimeMillis()))));
    RetentionTest.await(vertx.undeploy(first));

    Config.set(conf, ConfigKeys.Retention.SYSTEMS + ".akosha.days", 1);
    RetentionTest.await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf)));
    awaitIds(vertx, List.of("akosha-new", "mahavishnu-new", "mahavishnu-old", "oneiric-new", "oneiric-old"));
    assertEquals(5, RetentionTest.await(vertx.eventBus().<JsonObject>request(Addresses.COUNT,
      new JsonObject().put("tags", "t"))).body().getLong("count"));
  }

  private static void awaitIds(Vertx vertx, List<String> expected) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    TreeSet<String> ids = new TreeSet<>();
    while (System.nanoTime() < deadline) {
      ids.clear();
      RetentionTest.await(vertx.eventBus().<JsonObject>request(Addresses.QUERY, new JsonObject()))
        .body().getJsonArray("events").forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
      if (ids.equals(new TreeSet<>(expected))) {
        return;
      }
      Thread.sleep(50); // polling: retention runs on the storage verticle's own schedule
    }
    fail("retention left " + ids + ", expected " + expected);
  }

  @Test
  void systemDaysOverrideRetentionDaysBothWays() throws Exception {
    MemoryEventStore store = new MemoryEventStore(1000, () -> { });
    long now = System.currentTimeMillis();
    List<Event> events = corpus(now).stream().map(e -> Event.fromJson((JsonObject) e)).toList();
    RetentionTest.await(store.insert(events));
    JsonObject conf = Defaults.config();
    Config.set(conf, ConfigKeys.Retention.DAYS, 2);
    Config.set(conf, ConfigKeys.Retention.SYSTEMS + ".mahavishnu.days", 5);
    Config.set(conf, ConfigKeys.Retention.SYSTEMS + ".oneiric.days", 0);
    Map<String, Long> systems = Retention.perSystem(conf, 2);
    assertEquals(5L, systems.get("mahavishnu"));
    assertEquals(2L, systems.get("akosha"));
    Retention.Schedule schedule = new Retention.Schedule(null, store, 2, systems, CollectorMetrics.get());
    assertTrue(schedule.active());
    assertEquals(1, RetentionTest.await(schedule.run()));
    TreeSet<String> left = new TreeSet<>();
    RetentionTest.await(store.query(org.eventcollector.event.EventQuery.all(100)))
      .forEach(e -> left.add(e.getString("event_id")));
    assertEquals(new TreeSet<>(List.of("akosha-new", "mahavishnu-new", "mahavishnu-old", "oneiric-new", "oneiric-old")), left);
  }

  @Test
  void systemDaysAndWebhooksComeFromTheEnvironment() {
    JsonObject conf = Config.load(null, Map.of("EC_RETENTION_SYSTEMS_AKOSHA_DAYS", "3",
      "EC_ALERTS_WEBHOOKS", "http://127.0.0.1:9/a, http://127.0.0.1:9/b"), Map.of());
    assertEquals(List.of("http://127.0.0.1:9/a", "http://127.0.0.1:9/b"), Config.strings(Config.get(conf, ConfigKeys.Alerts.WEBHOOKS)));
    assertEquals(3L, Retention.perSystem(conf, 0).get("akosha"));
    assertEquals(0L, Retention.perSystem(conf, 0).get("oneiric"));
    assertTrue(Retention.perSystem(Defaults.config(), 0).isEmpty());
  }
}
