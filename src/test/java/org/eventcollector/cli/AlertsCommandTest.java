package org.eventcollector.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.RunningCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code events query --saved} and {@code events alerts list|show|add|silence} against a running collector. */
class AlertsCommandTest {

  @TempDir
  static Path dir;

  static RunningCollector collector;

  @BeforeAll
  static void start() throws Exception {
    collector = RunningCollector.start(RunningCollector.config(dir));
    JsonArray events = new JsonArray()
      .add(new JsonObject().put("event_id", "a-1").put("source_system", "akosha").put("event_type", "db.error").put("title", "Lost"))
      .add(new JsonObject().put("event_id", "c-1").put("source_system", "crackerjack").put("event_type", "test.run"));
    assertEquals(201, collector.post("/events/batch", events).status());
    HttpRequest put = HttpRequest.newBuilder(URI.create(collector.url + "/queries/akosha"))
      .header("Content-Type", "application/json")
      .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("params", new JsonObject().put("source_system", "akosha")).encode()))
      .build();
    assertEquals(200, HttpClient.newHttpClient().send(put, HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @AfterAll
  static void stop() {
    collector.close();
  }

  private static EventsCommandTest.Run events(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("events"));
    all.addAll(List.of(args));
    all.addAll(List.of("--url", collector.url));
    return EventsCommandTest.run(all.toArray(String[]::new));
  }

  @Test
  void querySavedAppliesTheSavedQuery() {
    EventsCommandTest.Run run = events("query", "--saved", "akosha", "--json");
    assertEquals(0, run.code(), run.err());
    JsonArray found = new JsonObject(run.out()).getJsonArray("events");
    assertEquals(1, found.size());
    assertEquals("a-1", found.getJsonObject(0).getString("event_id"));
    EventsCommandTest.Run missing = events("query", "--saved", "nope");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("unknown saved query"), missing.err());
  }

  @Test
  void alertsAddListShowAndSilence() {
    EventsCommandTest.Run added = events("alerts", "add", "db-errors", "--kind", "threshold", "--query", "{\"source_system\": \"akosha\"}",
      "--window-minutes", "10", "--value", "1", "--every-seconds", "5");
    assertEquals(0, added.code(), added.err());
    assertTrue(added.out().lines().anyMatch(line -> line.startsWith("db-errors") && line.contains("threshold")), added.out());

    EventsCommandTest.Run list = events("alerts", "list");
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().lines().findFirst().orElse("").startsWith("NAME"), list.out());
    assertTrue(list.out().contains("db-errors"), list.out());

    EventsCommandTest.Run show = events("alerts", "show", "db-errors", "--json");
    assertEquals(0, show.code(), show.err());
    assertEquals(1, new JsonObject(show.out()).getInteger("value"));

    EventsCommandTest.Run silenced = events("alerts", "silence", "db-errors", "--minutes", "30");
    assertEquals(0, silenced.code(), silenced.err());
    assertTrue(silenced.out().contains("silenced"), silenced.out());

    EventsCommandTest.Run bad = events("alerts", "add", "x", "--kind", "threshold", "--window-minutes", "5");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("(value)"), bad.err());
    assertEquals(1, events("alerts", "show", "none").code());
    assertEquals(2, events("alerts", "frobnicate").code());
  }
}
