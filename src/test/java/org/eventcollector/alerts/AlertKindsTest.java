package org.eventcollector.alerts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.Corpus;
import org.eventcollector.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of rule fires and resolves on a known corpus, with the evaluator's clock moved by the test. */
class AlertKindsTest {

  private static final long MINUTE = 60_000L;
  private static final long HOUR = 3_600_000L;
  private static final long DAY = 86_400_000L;

  @TempDir
  Path dir;

  private AlertNode alerts;

  @AfterEach
  void stop() {
    if (alerts != null) {
      alerts.close();
    }
  }

  private long start() {
    long now = Corpus.hourOf(System.currentTimeMillis()) - 2 * HOUR + 30 * MINUTE;
    alerts = AlertNode.start(AlertNode.config(dir), now);
    return now;
  }

  @Test
  void thresholdFiresWhileTheCountReachesTheValueAndResolvesAfter() {
    long now = start();
    for (int i = 0; i < 3; i++) {
      alerts.event("err-" + i, now - (i + 1) * MINUTE, "akosha", "db.error", "error", "Database error " + i);
    }
    alerts.event("info-0", now - MINUTE, "akosha", "db.query", "info", "Query");
    JsonObject rule = new JsonObject().put("kind", "threshold").put("window_minutes", 10).put("value", 3)
      .put("query", new JsonObject().put("source_system", "akosha").put("min_severity", "error"));
    assertEquals(200, alerts.putRule("db-errors", rule).status());
    JsonObject firing = alerts.awaitState("db-errors", "firing");
    assertEquals(3, firing.getInteger("value"));
    assertEquals(Event.formatTime(now), firing.getString("since"));

    Poll.until(10, () -> alerts.notes("db-errors").size() == 1, alerts.published::toString);
    JsonObject note = alerts.notes("db-errors").get(0);
    assertEquals("firing", note.getString("state"));
    assertEquals(3, note.getInteger("value"));
    assertEquals(Event.formatTime(now), note.getString("at"));
    assertEquals(List.of("err-0", "err-1", "err-2"), ids(note.getJsonArray("sample")));

    alerts.clock.advance(MINUTE);
    assertEquals(3, alerts.awaitState("db-errors", "firing").getInteger("value"));
    alerts.clock.advance(9 * MINUTE);
    JsonObject ok = alerts.awaitState("db-errors", "ok");
    assertEquals(0, ok.getInteger("value"));
    Poll.until(10, () -> alerts.notes("db-errors").size() == 2, alerts.published::toString);
    assertEquals("ok", alerts.notes("db-errors").get(1).getString("state"));

    // Both changes are stored as events naming the rule.
    Poll.until(10, () -> alertEvents().size() == 2, () -> alertEvents().toString());
    List<JsonObject> events = alertEvents();
    assertEquals(List.of("alert.fired", "alert.resolved"), events.stream().map(e -> e.getString("event_type")).toList());
    events.forEach(e -> {
      assertEquals("db-errors", e.getJsonObject("data").getString("rule"));
      assertEquals("mahavishnu", e.getString("source_system"));
    });
    String metrics = alerts.node.get("/metrics").body().toString();
    assertTrue(metrics.contains("event_collector_alerts_firing{rule=\"db-errors\"} 0.0"), metrics);
    assertTrue(metrics.contains("event_collector_alert_evaluations_total{outcome=\"ok\"}"), metrics);
  }

  private List<JsonObject> alertEvents() {
    JsonArray events = alerts.node.get("/events?event_type=alert.fired,alert.resolved&sort_order=asc").json()
      .getJsonArray("events");
    return events.stream().map(JsonObject.class::cast).toList();
  }

  @Test
  void thresholdBelowFiresWhileTheCountIsAtMostTheValue() {
    long now = start();
    alerts.event("busy-0", now - MINUTE, "oneiric", "job.done", "info", "done");
    JsonObject rule = new JsonObject().put("kind", "threshold").put("op", "<=").put("value", 0).put("window_minutes", 5)
      .put("query", new JsonObject().put("source_system", "oneiric"));
    assertEquals(200, alerts.putRule("idle", rule).status());
    assertEquals(1, alerts.awaitState("idle", "ok").getInteger("value"));
    alerts.clock.advance(5 * MINUTE);
    assertEquals(0, alerts.awaitState("idle", "firing").getInteger("value"));
  }

  @Test
  void absenceFiresWhenTheHeartbeatStopsAndResolvesWhenItBeats() {
    long now = start();
    for (int i = 1; i <= 4; i++) {
      alerts.event("beat-" + i, now - i * MINUTE, "session_buddy", "heartbeat", "debug", "beat");
    }
    JsonObject rule = new JsonObject().put("kind", "absence").put("window_minutes", 3).put("every_seconds", 30)
      .put("query", new JsonObject().put("source_system", "session_buddy").put("event_type", "heartbeat"));
    assertEquals(200, alerts.putRule("heartbeat", rule).status());
    assertEquals(3, alerts.awaitState("heartbeat", "ok").getInteger("value"));
    assertTrue(alerts.notes("heartbeat").isEmpty());
    // The heartbeat stops: two minutes later one beat is left in the window, then none.
    alerts.clock.advance(2 * MINUTE);
    assertEquals(1, alerts.awaitState("heartbeat", "ok").getInteger("value"));
    alerts.clock.advance(MINUTE);
    assertEquals(0, alerts.awaitState("heartbeat", "firing").getInteger("value"));
    Poll.until(10, () -> alerts.notes("heartbeat").size() == 1, alerts.published::toString);
    assertEquals(new JsonArray(), alerts.notes("heartbeat").get(0).getJsonArray("sample"));
    // It beats again.
    alerts.event("beat-back", alerts.clock.millis() + 10_000, "session_buddy", "heartbeat", "debug", "beat");
    alerts.clock.advance(30_000);
    assertEquals(1, alerts.awaitState("heartbeat", "ok").getInteger("value"));
    Poll.until(10, () -> alerts.notes("heartbeat").size() == 2, alerts.published::toString);
    assertEquals(List.of("beat-back"), ids(alerts.notes("heartbeat").get(1).getJsonArray("sample")));
  }

  @Test
  void anomalyFiresOnTheAnalysisCorpusSpikingHourAndResolvesOnAnOrdinaryHour() {
    long h = Corpus.hourOf(System.currentTimeMillis());
    long spike = Corpus.spikeHour(h);
    // Clock: half past the hour after the spike, so the spike is the last complete hour.
    // The alert events go to a system the rule does not count.
    JsonObject config = AlertNode.config(dir);
    org.eventcollector.config.Config.set(config, org.eventcollector.config.ConfigKeys.Alerts.SOURCE_SYSTEM, "session_buddy");
    alerts = AlertNode.start(config, spike + HOUR + 30 * MINUTE);
    assertEquals(201, alerts.node.post("/events/batch", Corpus.array(Corpus.events(h))).status());
    // The same clock hours on the three days before: 2, 3 and 2 events for the spike hour, 2 each for the next.
    JsonArray history = new JsonArray();
    int[] spikeHistory = {2, 3, 2};
    for (int d = 1; d <= 3; d++) {
      for (int i = 0; i < spikeHistory[d - 1]; i++) {
        history.add(event("past-" + d + "-" + i, spike - d * DAY + i * MINUTE));
      }
      for (int i = 0; i < 2; i++) {
        history.add(event("next-" + d + "-" + i, spike + HOUR - d * DAY + 10 * MINUTE + i * 1000));
      }
    }
    assertEquals(201, alerts.node.post("/events/batch", history).status());
    JsonObject rule = new JsonObject().put("kind", "anomaly").put("sigma", 3).put("days", 3).put("query",
      new JsonObject().put("source_system", new JsonArray().add("mahavishnu").add("crackerjack").add("oneiric").add("akosha")));
    assertEquals(200, alerts.putRule("spike", rule).status());
    assertEquals(30, alerts.awaitState("spike", "firing").getInteger("value"));
    Poll.until(10, () -> alerts.notes("spike").size() == 1, alerts.published::toString);
    assertEquals(5, alerts.notes("spike").get(0).getJsonArray("sample").size());
    // An hour later the last complete hour holds its usual 2 events.
    alerts.clock.advance(HOUR);
    assertEquals(2, alerts.awaitState("spike", "ok").getInteger("value"));
  }

  private static JsonObject event(String id, long at) {
    return new JsonObject().put("event_id", id).put("timestamp", Event.formatTime(at)).put("source_system", "mahavishnu")
      .put("event_type", "workflow.completed");
  }

  @Test
  void newErrorGroupFiresOnAFirstFingerprintButNotOnAKnownOne() {
    long now = start();
    alerts.event("known-old", now - 2 * DAY, "akosha", "db.error", "error", "Database connection lost");
    alerts.event("known-new", now - MINUTE, "akosha", "db.error", "error", "Database connection lost");
    alerts.event("warn", now - MINUTE, "akosha", "db.slow", "warning", "Slow query on orders");
    JsonObject rule = new JsonObject().put("kind", "new_error_group").put("window_minutes", 10)
      .put("query", new JsonObject().put("source_system", "akosha"));
    assertEquals(200, alerts.putRule("new-errors", rule).status());
    assertEquals(0, alerts.awaitState("new-errors", "ok").getInteger("value"));

    alerts.event("first", now + 10_000, "akosha", "disk.error", "critical", "Disk full on volume data");
    alerts.clock.advance(MINUTE);
    assertEquals(1, alerts.awaitState("new-errors", "firing").getInteger("value"));
    Poll.until(10, () -> alerts.notes("new-errors").size() == 1, alerts.published::toString);
    assertEquals(List.of("first"), ids(alerts.notes("new-errors").get(0).getJsonArray("sample")));
    // Once the first error has left the window, nothing is new any more.
    alerts.clock.advance(10 * MINUTE);
    assertEquals(0, alerts.awaitState("new-errors", "ok").getInteger("value"));
  }

  @Test
  void silencedRuleNotifiesNothingAndShowsSilenced() {
    long now = System.currentTimeMillis();
    alerts = AlertNode.start(AlertNode.config(dir), now);
    alerts.event("beat", now - MINUTE, "session_buddy", "heartbeat", "debug", "beat");
    JsonObject rule = new JsonObject().put("kind", "absence").put("window_minutes", 5)
      .put("query", new JsonObject().put("event_type", "heartbeat"));
    assertEquals(200, alerts.putRule("quiet", rule).status());
    alerts.awaitState("quiet", "ok");
    var silenced = alerts.node.post("/alerts/quiet/silence", new JsonObject().put("minutes", 30));
    assertEquals(200, silenced.status(), silenced.toString());
    JsonObject state = silenced.json().getJsonObject("state");
    assertEquals("silenced", state.getString("state"));
    assertTrue(Event.parseTime(state.getString("until")) >= now + 30 * MINUTE, state.encode());
    // The heartbeat stops while the rule is silenced: it fires, and nobody hears of it.
    alerts.clock.advance(6 * MINUTE);
    assertEquals(0, alerts.awaitState("quiet", "silenced").getInteger("value"));
    String metrics = alerts.node.get("/metrics").body().toString();
    assertTrue(metrics.contains("event_collector_alerts_firing{rule=\"quiet\"} 1.0"), metrics);
    assertTrue(alerts.notes("quiet").isEmpty(), alerts.published::toString);
    assertTrue(alertEvents().isEmpty(), () -> alertEvents().toString());
  }

  static List<String> ids(JsonArray events) {
    return events.stream().map(e -> ((JsonObject) e).getString("event_id")).sorted().toList();
  }
}
