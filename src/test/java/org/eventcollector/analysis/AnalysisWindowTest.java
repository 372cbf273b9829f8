package org.eventcollector.analysis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every analysis window is {@code [now - N, now]}: the events of its partial first and last clock hours count. */
class AnalysisWindowTest {

  private static final long MINUTE = 60_000L;
  private static final long HOUR = 60 * MINUTE;

  @TempDir
  Path dir;
  TestCollector collector;
  long now;

  @BeforeEach
  void start() {
    collector = TestCollector.start(TestCollector.config(dir, "sqlite"));
    now = System.currentTimeMillis();
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  private void store(long at, String severity, int count) {
    JsonArray batch = new JsonArray();
    for (int i = 0; i < count; i++) {
      batch.add(new JsonObject().put("source_system", "akosha").put("event_type", "edge").put("severity", severity)
        .put("duration_ms", 10).put("timestamp", Event.formatTime(at)));
    }
    assertEquals(count, collector.post("/events/batch", batch).json().getInteger("collected"));
  }

  @Test
  void patternsCountThePartialFirstHourOfTheWindow() {
    long start = now - 7 * 24 * HOUR;
    store(start + 3 * MINUTE, "info", 2);
    store(now - 3 * MINUTE, "info", 1);
    store(start - 3 * MINUTE, "info", 4);
    JsonObject patterns = collector.get("/analysis/patterns?days=7").json();
    assertEquals(3, patterns.getLong("total_events"), patterns.encode());
    JsonObject hourly = patterns.getJsonObject("hourly_distribution");
    assertEquals(7 * 24 + 1, hourly.size());
    String firstKey = Event.formatTime(Math.floorDiv(start, HOUR) * HOUR).replace(".000Z", "Z");
    String firstBucket = hourly.fieldNames().iterator().next();
    assertEquals(firstKey, firstBucket);
    long inFirst = hourly.getLong(firstBucket);
    long inSecond = hourly.getLong(Event.formatTime(Math.floorDiv(start, HOUR) * HOUR + HOUR).replace(".000Z", "Z"));
    assertEquals(2, inFirst + inSecond, "the two events three minutes into the window are in a bucket");
    assertEquals(3, hourly.stream().mapToLong(e -> ((Number) e.getValue()).longValue()).sum());
    assertEquals(3, patterns.getJsonObject("systems").getLong("akosha"));
  }

  @Test
  void errorsAndReportCountTheOldestMinutesOfTheWindow() {
    long start = now - 24 * HOUR;
    store(start + 3 * MINUTE, "error", 2);
    store(now - 3 * MINUTE, "critical", 1);
    store(start - 3 * MINUTE, "error", 4);
    JsonObject errors = collector.get("/analysis/errors?hours=24").json();
    assertEquals(3, errors.getLong("total_errors"), errors.encode());
    JsonObject report = collector.get("/analysis/report?hours=24").json();
    assertEquals(3, report.getLong("total_events"), report.encode());
    assertEquals(3, report.getJsonArray("recent_events").size());
    String from = Event.formatTime(start);
    JsonObject stats = collector.get("/events/stats?start_time=" + from + "&end_time=" + Event.formatTime(now)).json();
    assertEquals(3, stats.getLong("total_events"), stats.encode());
    assertEquals(7, collector.get("/events/stats").json().getLong("total_events"), "stats with no window cover all time");
  }
}
