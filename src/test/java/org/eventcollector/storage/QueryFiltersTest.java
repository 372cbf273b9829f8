package org.eventcollector.storage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every filter of GET /events and their combinations, on each backend, against a known corpus. */
class QueryFiltersTest {

  @TempDir
  Path dir;

  /** id, system, type, severity, minute offset, component, correlation, duration, tags, title, description. */
  private static final Object[][] CORPUS = {
    {"e01", "mahavishnu", "workflow.started", "info", 0, "orchestrator", "wf-1", null, "workflow,rag", "Workflow started: wf-1", "Starting workflow for repo alpha"},
    {"e02", "mahavishnu", "workflow.completed", "info", 1, "orchestrator", "wf-1", 5200, "workflow,rag,production", "Workflow completed", "done"},
    {"e03", "crackerjack", "test.failed", "error", 2, "quality_checker", null, 30, "test,unit", "Test test_db: FAILED", "database connection refused at 10.0.0.1"},
    {"e04", "crackerjack", "test.passed", "info", 3, null, null, 12, "test,unit", "Test test_api: PASSED", ""},
    {"e05", "akosha", "insight.detected", "warning", 4, "analytics_engine", "q-9", 800, "insight,analytics", "Insight detected", "50% of queries slow_path"},
    {"e06", "oneiric", "config.changed", "debug", 5, "config_manager", null, null, "", "Config reloaded", "from /etc/app.yaml"},
    {"e07", "session_buddy", "session.created", "critical", 6, "session_manager", "s-1", 1, "session", "Session crashed", "Out of memory \"heap\""},
    {"e08", "mahavishnu", "workflow.failed", "error", 7, "orchestrator", "wf-1", 9000, "workflow,production", "Workflow failed", "error in step *3*"},
  };

  private static final Instant BASE = Instant.parse("2026-03-01T10:00:00Z");

  private TestCollector start(String backend) {
    TestCollector collector = TestCollector.start(TestCollector.config(dir, backend));
    JsonArray batch = new JsonArray();
    for (Object[] row : CORPUS) {
      JsonObject event = new JsonObject()
        .put("event_id", row[0]).put("source_system", row[1]).put("event_type", row[2]).put("severity", row[3])
        .put("timestamp", BASE.plusSeconds(60L * (Integer) row[4]).toString())
        .put("source_component", row[5]).put("correlation_id", row[6]).put("duration_ms", row[7])
        .put("tags", new JsonArray(((String) row[8]).isEmpty() ? List.of() : List.of(((String) row[8]).split(","))))
        .put("title", row[9]).put("description", row[10]);
      batch.add(event);
    }
    Response response = collector.post("/events/batch", batch);
    assertEquals(CORPUS.length, response.json().getInteger("collected"), response.toString());
    return collector;
  }

  private static List<String> ids(TestCollector collector, String query) {
    Response response = collector.get("/events?" + query);
    assertEquals(200, response.status(), query + " -> " + response);
    List<String> ids = new ArrayList<>();
    response.json().getJsonArray("events").forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
    assertEquals(ids.size(), response.json().getInteger("count"));
    int count = collector.get("/events/count?" + query.replaceAll("(^|&)(limit|offset|sort_by|sort_order)=[^&]*", "")).json().getInteger("count");
    if (!query.contains("limit") && !query.contains("offset")) {
      assertEquals(ids.size(), count, "count agrees with " + query);
    }
    return ids;
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory"})
  void filtersByEachFieldAndCombinations(String backend) {
    try (TestCollector c = start(backend)) {
      assertEquals(List.of("e08", "e07", "e06", "e05", "e04", "e03", "e02", "e01"), ids(c, ""));
      assertEquals(List.of("e08", "e02", "e01"), ids(c, "source_system=mahavishnu"));
      assertEquals(List.of("e08", "e05", "e02", "e01"), ids(c, "source_system=mahavishnu,akosha"));
      assertEquals(List.of("e08", "e05", "e02", "e01"), ids(c, "source_system=mahavishnu&source_system=akosha"));
      assertEquals(List.of("e04", "e03"), ids(c, "event_type=test.failed,test.passed"));
      assertEquals(List.of("e08", "e03"), ids(c, "severity=error"));
      assertEquals(List.of("e08", "e07", "e03"), ids(c, "severity=error,critical"));
      assertEquals(List.of("e08", "e07", "e05", "e03"), ids(c, "min_severity=warning"));
      assertEquals(List.of("e08", "e02", "e01"), ids(c, "source_component=orchestrator"));
      assertEquals(List.of("e08", "e02", "e01"), ids(c, "correlation_id=wf-1"));
      assertEquals(List.of("e08", "e02"), ids(c, "tags=workflow,production"));
      assertEquals(List.of("e05", "e04", "e03"), ids(c, "any_tags=test,insight"));
      assertEquals(List.of("e03", "e02"), ids(c, "start_time=" + enc("2026-03-01T10:01:00Z") + "&end_time=" + enc("2026-03-01T10:03:00Z")));
      assertEquals(List.of("e03", "e02"), ids(c, "start_time=" + enc("2026-03-01T11:01:00+01:00") + "&end_time=" + enc("2026-03-01T11:03:00+01:00")));
      assertEquals(List.of("e08"), ids(c, "source_system=mahavishnu&severity=error&tags=workflow&correlation_id=wf-1"));
      assertEquals(List.of(), ids(c, "source_system=oneiric&min_severity=info"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory"})
  void searchesEveryTermAsALiteralCaseInsensitiveSubstring(String backend) {
    try (TestCollector c = start(backend)) {
      assertEquals(List.of("e08", "e02", "e01"), ids(c, "search=workflow"));
      assertEquals(List.of("e03"), ids(c, "search=" + enc("DATABASE refused")));
      assertEquals(List.of("e03"), ids(c, "search=10.0.0.1"));
      assertEquals(List.of("e05"), ids(c, "search=" + enc("50%")));
      assertEquals(List.of(), ids(c, "search=" + enc("5%q")));
      assertEquals(List.of("e05"), ids(c, "search=slow_path"));
      assertEquals(List.of(), ids(c, "search=" + enc("slow%path")));
      assertEquals(List.of("e08"), ids(c, "search=" + enc("*3*")));
      assertEquals(List.of("e07"), ids(c, "search=" + enc("\"heap\"")));
      assertEquals(List.of("e06"), ids(c, "search=" + enc("/etc/app")));
      assertEquals(List.of("e06", "e03", "e01"), ids(c, "search=" + enc("re")));
      assertEquals(List.of("e04"), ids(c, "search=" + enc("_a test")));
      assertEquals(List.of(), ids(c, "search=" + enc("' OR 1=1 --")));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory"})
  void sortsWithTiesAndNullsLastAndPagesWithoutOverlap(String backend) {
    try (TestCollector c = start(backend)) {
      assertEquals(List.of("e01", "e02", "e03"), ids(c, "sort_order=asc&limit=3"));
      assertEquals(List.of("e08", "e02", "e05", "e03", "e04", "e07", "e06", "e01"), ids(c, "sort_by=duration_ms"));
      assertEquals(List.of("e07", "e04", "e03", "e05", "e02", "e08", "e01", "e06"), ids(c, "sort_by=duration_ms&sort_order=asc"));
      assertEquals(List.of("e07", "e08", "e03", "e05", "e04", "e02", "e01", "e06"), ids(c, "sort_by=severity"));
      assertEquals(List.of("e06", "e01", "e02", "e04", "e05", "e03", "e08", "e07"), ids(c, "sort_by=severity&sort_order=asc"));
      assertEquals(List.of("e07", "e06", "e08", "e02", "e01", "e04", "e03", "e05"), ids(c, "sort_by=source_system"));
      List<String> paged = new ArrayList<>();
      for (int offset = 0; offset < 8; offset += 3) {
        paged.addAll(ids(c, "sort_by=severity&limit=3&offset=" + offset));
      }
      assertEquals(ids(c, "sort_by=severity"), paged);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory"})
  void echoesTheNormalisedQuery(String backend) {
    try (TestCollector c = start(backend)) {
      JsonObject query = c.get("/events?source_system=akosha&tags=a,b&hours=2").json().getJsonObject("query");
      assertEquals(new JsonArray().add("akosha"), query.getJsonArray("source_system"));
      assertEquals(new JsonArray().add("a").add("b"), query.getJsonArray("tags"));
      assertEquals(2, query.getInteger("hours"));
      assertEquals(100, query.getInteger("limit"));
      assertEquals(0, query.getInteger("offset"));
      assertEquals("timestamp", query.getString("sort_by"));
      assertEquals("desc", query.getString("sort_order"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory"})
  void refusesBadParametersNamingThem(String backend) {
    try (TestCollector c = start(backend)) {
      String[][] cases = {
        {"colour=red", "colour"}, {"source_system=nobody", "source_system"}, {"severity=loud", "severity"},
        {"min_severity=INFO", "min_severity"}, {"start_time=2026-01-01", "start_time"}, {"end_time=" + enc("2026-01-01T00:00:00"), "end_time"},
        {"limit=0", "limit"}, {"limit=1001", "limit"}, {"limit=ten", "limit"}, {"offset=-1", "offset"},
        {"sort_by=title", "sort_by"}, {"sort_order=up", "sort_order"}, {"hours=0", "hours"}, {"hours=1&days=1", "days"},
        {"hours=1&start_time=" + enc("2026-01-01T00:00:00Z"), "hours"}, {"limit=1&limit=2", "limit"},
      };
      for (String[] bad : cases) {
        Response response = c.get("/events?" + bad[0]);
        assertEquals(400, response.status(), bad[0]);
        assertEquals(bad[1], response.json().getString("field"), bad[0] + " -> " + response);
        boolean paging = bad[0].matches("(limit|offset|sort_by|sort_order)=.*");
        assertEquals(paging ? 200 : 400, c.get("/events/count?" + bad[0]).status(), bad[0]);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory"})
  void windowsRelativeToNow(String backend) {
    try (TestCollector c = start(backend)) {
      String recent = c.ingest(new JsonObject().put("source_system", "akosha").put("event_type", "now"));
      assertEquals(List.of(recent), ids(c, "minutes=5"));
      assertEquals(List.of(recent), ids(c, "hours=1"));
      assertTrue(ids(c, "days=100000").size() == CORPUS.length + 1);
    }
  }
}
