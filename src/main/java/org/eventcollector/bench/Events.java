package org.eventcollector.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The benchmark's events: realistic sizes and spreads, deterministic from an index. */
final class Events {

  static final String[] SYSTEMS = {"mahavishnu", "crackerjack", "session_buddy", "akosha", "oneiric"};
  static final String[] WORDS = {"deploy", "timeout", "cache", "payment", "worker", "queue", "retry", "index",
    "upload", "render", "billing", "invoice", "session", "socket", "gateway", "scheduler"};
  static final int TAGS = 50;
  static final int PER_CORRELATION = 5;
  private static final String[] TYPES = {"workflow.started", "workflow.completed", "workflow.failed", "test.started",
    "test.passed", "test.failed", "build.started", "build.completed", "deploy.started", "deploy.completed",
    "request.handled", "request.failed", "cache.miss", "cache.hit", "job.queued", "job.done", "job.failed",
    "session.opened", "session.closed", "alert.raised"};

  private Events() {
  }

  static String system(long i) {
    return SYSTEMS[(int) (i % SYSTEMS.length)];
  }

  static String severity(long i) {
    int k = (int) (i % 20);
    return k == 0 ? "debug" : k < 14 ? "info" : k < 17 ? "warning" : k < 19 ? "error" : "critical";
  }

  static String tag(long k) {
    return "tag" + (k % TAGS);
  }

  static String correlation(long i) {
    return "corr-" + (i / PER_CORRELATION);
  }

  static String title(long i) {
    return WORDS[(int) (i % 16)] + " " + WORDS[(int) ((i / 16) % 16)] + " step " + (i % 1000);
  }

  static String description(long i) {
    return "handled " + WORDS[(int) ((i / 7) % 16)] + " for request " + i + " in region eu-" + (i % 8);
  }

  /** Event {@code i} with the given id and no timestamp (the server stamps it). */
  static JsonObject event(String id, long i) {
    JsonArray tags = new JsonArray().add(tag(i));
    String second = tag(i * 7 + 3);
    if (!second.equals(tag(i))) {
      tags.add(second);
    }
    return new JsonObject()
      .put("event_id", id)
      .put("source_system", system(i))
      .put("event_type", TYPES[(int) (i % TYPES.length)])
      .put("severity", severity(i))
      .put("title", title(i))
      .put("description", description(i))
      .put("correlation_id", correlation(i))
      .put("source_component", "comp-" + (i % 30))
      .put("duration_ms", i % 5000)
      .put("data", new JsonObject().put("n", i).put("ok", i % 3 != 0))
      .put("tags", tags)
      .put("metadata", new JsonObject().put("host", "node-" + (i % 4)));
  }

  static JsonArray batch(String run, long first, int size) {
    JsonArray batch = new JsonArray();
    for (int k = 0; k < size; k++) {
      batch.add(event(run + "-" + (first + k), first + k));
    }
    return batch;
  }
}
