package org.eventcollector.analysis;

import io.vertx.core.json.JsonObject;
import org.eventcollector.Backends;
import org.eventcollector.Corpus;
import org.eventcollector.RunningCollector;
import org.eventcollector.event.Event;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /analysis/*} and {@code DELETE /events} end to end over HTTP on a running node, on each storage backend. */
@ExtendWith(PostgresServer.class)
class AnalysisRestTest {

  @TempDir
  static Path dir;

  /** A running node holding the corpus, and the corpus' clock hour, per backend; started by the first test that asks. */
  private record Node(RunningCollector collector, long h) {
  }

  private static final Map<String, Node> NODES = new HashMap<>();

  static Node node(String backend) throws Exception {
    Node node = NODES.get(backend);
    if (node == null) {
      RunningCollector collector = RunningCollector.start(Backends.on(backend, RunningCollector.config(dir)));
      long h = Corpus.hourOf(System.currentTimeMillis());
      RunningCollector.Reply stored = collector.post("/events/batch", Corpus.array(Corpus.events(h)));
      assertEquals(201, stored.status(), stored.body());
      assertEquals(Corpus.TOTAL_IN_DAY + 1, stored.json().getInteger("collected"));
      node = new Node(collector, h);
      NODES.put(backend, node);
    }
    return node;
  }

  @AfterAll
  static void stop() {
    NODES.values().forEach(node -> node.collector().close());
    NODES.clear();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void errorsPatternsAndReportAnswerOverHttp(String backend) throws Exception {
    RunningCollector collector = node(backend).collector();
    RunningCollector.Reply errors = collector.get("/analysis/errors?hours=24");
    assertEquals(200, errors.status());
    assertEquals(20, errors.json().getLong("total_errors"));
    assertEquals(3, errors.json().getJsonArray("error_groups").size());
    RunningCollector.Reply defaults = collector.get("/analysis/errors");
    assertEquals(20, defaults.json().getLong("total_errors"), "hours defaults to 24");
    RunningCollector.Reply patterns = collector.get("/analysis/patterns?days=1");
    assertEquals(200, patterns.status());
    assertEquals(1, patterns.json().getJsonArray("patterns").size());
    assertEquals(7 * 24 + 1, collector.get("/analysis/patterns").json().getJsonObject("hourly_distribution").size());
    RunningCollector.Reply report = collector.get("/analysis/report?hours=24");
    assertEquals(200, report.status());
    assertEquals(110, report.json().getJsonObject("duration_stats").getLong("p50"));
  }

  static Stream<Arguments> badPeriods() {
    List<String> paths = List.of("/analysis/errors?hours=0", "/analysis/errors?hours=8761", "/analysis/report?hours=-1",
      "/analysis/report?hours=1.5", "/analysis/patterns?days=366", "/analysis/patterns?days=x",
      "/analysis/patterns?hours=1", "/analysis/errors?hours=1&hours=2");
    return Stream.of("sqlite", "memory", "postgres").flatMap(backend -> paths.stream().map(path -> Arguments.of(backend, path)));
  }

  @ParameterizedTest
  @MethodSource("badPeriods")
  void refusesBadPeriodsWith400NamingTheParameter(String backend, String path) throws Exception {
    RunningCollector.Reply reply = node(backend).collector().get(path);
    assertEquals(400, reply.status(), reply.body());
    JsonObject body = reply.json();
    assertTrue(body.getString("field").equals("hours") || body.getString("field").equals("days"), reply.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void deleteWithoutBeforeIs400AndDeleteRemovesExactlyTheOlderEvents(String backend) throws Exception {
    RunningCollector collector = node(backend).collector();
    long h = node(backend).h();
    RunningCollector.Reply missing = collector.delete("/events");
    assertEquals(400, missing.status());
    assertEquals("before", missing.json().getString("field"));
    assertEquals(400, collector.delete("/events?before=yesterday").status());
    // Only the 30-hour-old error is older than h - 29 hours; an event exactly at the bound would stay.
    String before = Event.formatTime(h - 29 * Corpus.HOUR);
    RunningCollector.Reply deleted = collector.delete("/events?before=" + before);
    assertEquals(200, deleted.status(), deleted.body());
    assertEquals(1, deleted.json().getInteger("deleted"));
    assertEquals(404, collector.get("/events/old-error").status());
    assertEquals(0, collector.delete("/events?before=" + before).json().getInteger("deleted"));
    assertEquals(Corpus.TOTAL_IN_DAY, collector.get("/events/count").json().getLong("count"));
    assertTrue(collector.get("/metrics").body().contains("event_collector_retention_deleted_total"));
  }
}
