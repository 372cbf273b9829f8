package org.eventcollector;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;

import java.util.ArrayList;
import java.util.List;

/**
 * A known corpus relative to the clock hour {@code h} that holds "now":
 * <ul>
 *   <li>21 quiet hours (h-22 … h-1 except h-5), each with one {@code mahavishnu workflow.completed}
 *   info event (durations 10 … 210 ms, shuffled) and one {@code crackerjack test.passed} debug event;</li>
 *   <li>the spike hour h-5 with 30 events, one a minute: 12 {@code workflow.failed} errors (component
 *   {@code orchestrator}), 5 {@code test.failed} errors (no component), 3 {@code error.occurred}
 *   critical (component {@code db}) and 10 {@code config.changed} warnings;</li>
 *   <li>one error 30 hours before h, outside every 24-hour window.</li>
 * </ul>
 * Hours h-23 and h stay empty, so the answers do not change if the clock hour turns during a test.
 */
public final class Corpus {

  public static final long HOUR = 3_600_000L;
  public static final int TOTAL_IN_DAY = 72;

  private Corpus() {
  }

  public static long hourOf(long time) {
    return Math.floorDiv(time, HOUR) * HOUR;
  }

  /** The spike hour's start. */
  public static long spikeHour(long h) {
    return h - 5 * HOUR;
  }

  public static List<JsonObject> events(long h) {
    List<JsonObject> events = new ArrayList<>();
    int quiet = 0;
    for (int k = 22; k >= 1; k--) {
      if (k == 5) {
        continue;
      }
      quiet++;
      long at = h - k * HOUR + 10 * 60_000L;
      long duration = ((quiet * 5L) % 21 + 1) * 10;
      events.add(event("ok-" + k, at, "mahavishnu", "workflow.completed", "info",
        "Workflow completed: wf_" + k, "Finished in " + duration + " ms", "orchestrator", duration, "wf-" + k));
      events.add(event("pass-" + k, at + 1000, "crackerjack", "test.passed", "debug",
        "Test test_" + k + " passed", "", null, null, null));
    }
    long spike = spikeHour(h);
    int minute = 0;
    for (int i = 0; i < 12; i++) {
      events.add(event("wf-fail-" + i, spike + minute++ * 60_000L, "mahavishnu", "workflow.failed", "error",
        "Workflow failed: wf_" + (100 + i), "Timeout after " + (i * 10 + 5) + " ms at /srv/app/run_" + i + ".py",
        "orchestrator", null, "wf-" + (100 + i)));
    }
    for (int i = 0; i < 10; i++) {
      events.add(event("cfg-" + i, spike + minute++ * 60_000L, "oneiric", "config.changed", "warning",
        "Config changed", "key " + i, "config_manager", null, null));
    }
    for (int i = 0; i < 5; i++) {
      events.add(event("test-fail-" + i, spike + minute++ * 60_000L, "crackerjack", "test.failed", "error",
        "Test test_login_" + i + " failed", "AssertionError: expected \"a" + i + "\" got \"b\"", null, null, null));
    }
    for (int i = 0; i < 3; i++) {
      events.add(event("db-lost-" + i, spike + minute++ * 60_000L, "akosha", "error.occurred", "critical",
        "Database connection lost", "", "db", null, null));
    }
    events.add(event("old-error", h - 30 * HOUR, "mahavishnu", "workflow.failed", "error",
      "Workflow failed: wf_1", "old", "orchestrator", null, null));
    return events;
  }

  /** Ids of the 10 newest errors, newest first. */
  public static List<String> recentErrorIds() {
    List<String> ids = new ArrayList<>();
    for (int i = 2; i >= 0; i--) {
      ids.add("db-lost-" + i);
    }
    for (int i = 4; i >= 0; i--) {
      ids.add("test-fail-" + i);
    }
    ids.add("wf-fail-11");
    ids.add("wf-fail-10");
    return ids;
  }

  public static JsonArray array(List<JsonObject> events) {
    return new JsonArray(new ArrayList<>(events));
  }

  static JsonObject event(String id, long at, String system, String type, String severity, String title,
                          String description, String component, Long duration, String correlation) {
    return new JsonObject()
      .put("event_id", id)
      .put("timestamp", Event.formatTime(at))
      .put("source_system", system)
      .put("event_type", type)
      .put("severity", severity)
      .put("title", title)
      .put("description", description)
      .put("correlation_id", correlation)
      .put("source_component", component)
      .put("duration_ms", duration)
      .put("data", new JsonObject())
      .put("tags", new JsonArray())
      .put("metadata", new JsonObject());
  }
}
