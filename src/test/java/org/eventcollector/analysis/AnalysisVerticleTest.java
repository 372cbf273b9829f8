package org.eventcollector.analysis;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.eventcollector.Backends;
import org.eventcollector.Corpus;
import org.eventcollector.bus.Addresses;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.eventcollector.event.Event;
import org.eventcollector.storage.PostgresServer;
import org.eventcollector.storage.StorageVerticle;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three analyses over the known corpus, on every storage backend, through the bus addresses. */
@ExtendWith({VertxExtension.class, PostgresServer.class})
class AnalysisVerticleTest {

  @TempDir
  Path dir;

  private long h;

  private Vertx start(Vertx vertx, String backend) throws Exception {
    JsonObject conf = Defaults.config();
    Config.set(conf, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("events.db").toString());
    Backends.on(backend, conf);
    await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf)));
    await(vertx.deployVerticle(AnalysisVerticle.class, new DeploymentOptions().setConfig(conf)));
    h = Corpus.hourOf(System.currentTimeMillis());
    JsonObject insert = new JsonObject().put("events", Corpus.array(Corpus.events(h)));
    JsonObject stored = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_INSERT, insert).map(Message::body));
    assertEquals(Corpus.TOTAL_IN_DAY + 1, stored.getJsonArray("results").size());
    return vertx;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"memory", "sqlite", "postgres"})
  void errorAnalysisCountsErrorsAndCriticalsByTypeSystemAndComponent(String backend, Vertx vertx) throws Exception {
    start(vertx, backend);
    JsonObject errors = ask(vertx, Addresses.ANALYSIS_ERRORS, new JsonObject().put("hours", 24));
    assertEquals(20, errors.getLong("total_errors"));
    assertEquals(3, errors.getLong("critical_errors"));
    assertEquals(new JsonObject().put("workflow.failed", 12).put("test.failed", 5).put("error.occurred", 3),
      errors.getJsonObject("errors_by_type"));
    assertEquals(new JsonObject().put("mahavishnu", 12).put("crackerjack", 5).put("akosha", 3),
      errors.getJsonObject("errors_by_system"));
    assertEquals(new JsonObject().put("orchestrator", 12).put("unknown", 5).put("db", 3),
      errors.getJsonObject("errors_by_component"));
    assertEquals(Corpus.recentErrorIds(), ids(errors.getJsonArray("recent_errors")));

    JsonObject wide = ask(vertx, Addresses.ANALYSIS_ERRORS, new JsonObject().put("hours", 48));
    assertEquals(21, wide.getLong("total_errors"), "the 30-hour-old error is inside 48 hours");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"memory", "sqlite", "postgres"})
  void errorsAreGroupedByFingerprintWithFirstAndLastSeen(String backend, Vertx vertx) throws Exception {
    start(vertx, backend);
    JsonObject errors = ask(vertx, Addresses.ANALYSIS_ERRORS, new JsonObject().put("hours", 24));
    JsonArray groups = errors.getJsonArray("error_groups");
    assertEquals(3, groups.size());
    assertEquals(3, errors.getLong("distinct_error_groups"));
    long spike = Corpus.spikeHour(h);
    JsonObject workflow = groups.getJsonObject(0);
    assertEquals(12, workflow.getLong("count"));
    assertEquals("workflow.failed", workflow.getString("event_type"));
    assertEquals("mahavishnu", workflow.getString("source_system"));
    assertEquals("workflow failed: <id>", workflow.getString("pattern"));
    assertEquals(Event.formatTime(spike), workflow.getString("first_seen"));
    assertEquals(Event.formatTime(spike + 11 * 60_000L), workflow.getString("last_seen"));
    assertEquals("wf-fail-11", workflow.getString("last_event_id"));
    assertEquals(16, workflow.getString("fingerprint").length());
    JsonObject tests = groups.getJsonObject(1);
    assertEquals(5, tests.getLong("count"));
    assertEquals("test <id> failed", tests.getString("pattern"));
    assertEquals(Event.formatTime(spike + 22 * 60_000L), tests.getString("first_seen"));
    assertEquals(Event.formatTime(spike + 26 * 60_000L), tests.getString("last_seen"));
    JsonObject database = groups.getJsonObject(2);
    assertEquals(3, database.getLong("count"));
    assertEquals("error.occurred", database.getString("event_type"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"memory", "sqlite", "postgres"})
  void patternsFlagTheSpikeHourWithItsSignedDeviation(String backend, Vertx vertx) throws Exception {
    start(vertx, backend);
    JsonObject patterns = ask(vertx, Addresses.ANALYSIS_PATTERNS, new JsonObject().put("days", 1));
    assertEquals(Corpus.TOTAL_IN_DAY, patterns.getLong("total_events"));
    JsonObject hourly = patterns.getJsonObject("hourly_distribution");
    assertEquals(25, hourly.size(), "every clock hour of [now - 24 h, now] is a bucket, the partial first and last and empty ones too");
    String spikeKey = Event.formatTime(Corpus.spikeHour(h)).replace(".000Z", "Z");
    assertEquals(30, hourly.getLong(spikeKey));
    assertEquals(2, hourly.getLong(Event.formatTime(h - 3 * Corpus.HOUR).replace(".000Z", "Z")));
    // 25 buckets: 21 of 2, one of 30, three empty. Mean 72 / 25, population variance 984 / 25 - mean².
    double mean = 72 / 25.0;
    double deviation = (30 - mean) / Math.sqrt(984 / 25.0 - mean * mean);
    JsonArray flagged = patterns.getJsonArray("patterns");
    assertEquals(1, flagged.size(), flagged.encode());
    assertEquals(spikeKey, flagged.getJsonObject(0).getString("hour"));
    assertEquals(30, flagged.getJsonObject(0).getLong("count"));
    assertEquals(Math.round(deviation * 100) / 100.0, flagged.getJsonObject(0).getDouble("deviation"), 1e-9);
    assertEquals(new JsonObject().put("workflow.completed", 21).put("test.passed", 21).put("workflow.failed", 12)
      .put("config.changed", 10).put("test.failed", 5).put("error.occurred", 3), patterns.getJsonObject("event_types"));
    assertEquals(110.0, patterns.getDouble("avg_duration_ms"), 1e-9);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"memory", "sqlite", "postgres"})
  void reportGivesDistributionsNearestRankPercentilesAndRecentEvents(String backend, Vertx vertx) throws Exception {
    start(vertx, backend);
    JsonObject report = ask(vertx, Addresses.ANALYSIS_REPORT, new JsonObject().put("hours", 24));
    assertEquals(24, report.getInteger("period_hours"));
    assertEquals(Corpus.TOTAL_IN_DAY, report.getLong("total_events"));
    assertEquals(new JsonObject().put("debug", 21).put("info", 21).put("warning", 10).put("error", 17).put("critical", 3),
      report.getJsonObject("severity_distribution"));
    assertEquals(new JsonObject().put("mahavishnu", 33).put("crackerjack", 26).put("oneiric", 10).put("akosha", 3),
      report.getJsonObject("system_distribution"));
    assertEquals(21, report.getJsonObject("event_type_distribution").getLong("workflow.completed"));
    JsonObject durations = report.getJsonObject("duration_stats");
    // 21 durations 10 … 210: nearest rank p50 = 11th, p95 = 20th, p99 = 21st.
    assertEquals(10, durations.getLong("min"));
    assertEquals(210, durations.getLong("max"));
    assertEquals(110.0, durations.getDouble("avg"), 1e-9);
    assertEquals(110, durations.getLong("p50"));
    assertEquals(200, durations.getLong("p95"));
    assertEquals(210, durations.getLong("p99"));
    assertEquals(List.of("pass-1", "ok-1", "pass-2", "ok-2", "pass-3", "ok-3", "pass-4", "ok-4", "db-lost-2", "db-lost-1"),
      ids(report.getJsonArray("recent_events")));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"memory", "sqlite", "postgres"})
  void durationsByIndexScanAndBySortAgree(String backend, Vertx vertx) throws Exception {
    start(vertx, backend);
    // A time window alone is served from the duration index; any other filter sorts the matching rows.
    JsonObject window = Analyses.window(h - 24 * Corpus.HOUR, System.currentTimeMillis());
    JsonObject byIndex = ask(vertx, Addresses.STORAGE_MEASURE_DURATIONS, new JsonObject().put("query", window));
    JsonObject bySort = ask(vertx, Addresses.STORAGE_MEASURE_DURATIONS,
      new JsonObject().put("query", window.copy().put("source_system", "mahavishnu")));
    JsonObject expected = new JsonObject().put("count", 21).put("min", 10).put("max", 210).put("avg", 110.0)
      .put("p50", 110).put("p95", 200).put("p99", 210);
    assertEquals(expected, byIndex);
    assertEquals(expected, bySort);
    JsonObject noPercentiles = ask(vertx, Addresses.STORAGE_MEASURE_DURATIONS,
      new JsonObject().put("query", new JsonObject().put("event_type", "workflow.completed")).put("percentiles", false));
    assertEquals(21, noPercentiles.getLong("count"));
    assertNull(noPercentiles.getValue("p50"));
    JsonObject narrow = ask(vertx, Addresses.STORAGE_MEASURE_DURATIONS, new JsonObject().put("query",
      Analyses.window(h - 3 * Corpus.HOUR, h - 2 * Corpus.HOUR - 1)));
    assertEquals(1, narrow.getLong("count"), "one hour of 73 events: the sorted plan");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"memory", "sqlite", "postgres"})
  void reportOfAnEmptyWindowHasNullDurations(String backend, Vertx vertx) throws Exception {
    JsonObject conf = Defaults.config();
    Config.set(conf, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("empty.db").toString());
    Backends.on(backend, conf);
    await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf)));
    await(vertx.deployVerticle(AnalysisVerticle.class, new DeploymentOptions().setConfig(conf)));
    JsonObject report = ask(vertx, Addresses.ANALYSIS_REPORT, new JsonObject().put("hours", 1));
    assertEquals(0, report.getLong("total_events"));
    assertNull(report.getJsonObject("duration_stats").getValue("p50"));
    JsonObject patterns = ask(vertx, Addresses.ANALYSIS_PATTERNS, new JsonObject().put("days", 2));
    assertEquals(49, patterns.getJsonObject("hourly_distribution").size());
    assertTrue(patterns.getJsonArray("patterns").isEmpty());
    assertNull(patterns.getValue("avg_duration_ms"));
    JsonObject errors = ask(vertx, Addresses.ANALYSIS_ERRORS, new JsonObject().put("hours", 1));
    assertEquals(0, errors.getLong("critical_errors"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"hours=0", "hours=8761", "hours=abc", "days=366"})
  void refusesAPeriodOutOfRangeWith400(String given, Vertx vertx) throws Exception {
    start(vertx, "memory");
    String[] parts = given.split("=");
    String address = parts[0].equals("days") ? Addresses.ANALYSIS_PATTERNS : Addresses.ANALYSIS_REPORT;
    Exception failure = assertThrows(Exception.class, () -> ask(vertx, address, new JsonObject().put(parts[0], parts[1])));
    ReplyException reply = (ReplyException) failure.getCause();
    assertEquals(400, reply.failureCode());
    assertTrue(reply.getMessage().contains(parts[0]), reply.getMessage());
  }

  static List<String> ids(JsonArray events) {
    List<String> ids = new ArrayList<>();
    events.forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
    return ids;
  }

  static JsonObject ask(Vertx vertx, String address, JsonObject body) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(address, body).map(Message::body));
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
