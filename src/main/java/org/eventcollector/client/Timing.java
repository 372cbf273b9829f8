package org.eventcollector.client;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Wraps a block of work and collects its events under one correlation id, as the seed's
 * {@code @collect_event} decorator does: {@code <type>.started} before it, then
 * {@code <type>.completed} with {@code duration_ms}, or {@code <type>.failed} (severity
 * {@code error}, with {@code duration_ms} and {@code data.error} / {@code data.error_type}).
 * A trailing {@code .started} of the given type is dropped, so {@code workflow.started} and
 * {@code workflow} mean the same. Collecting is best effort: a refused event is logged and never
 * changes the outcome of the work.
 *
 * <pre>{@code
 * client.timing("mahavishnu", "workflow").component("orchestrator").tags("rag")
 *   .run(() -> runWorkflow(repo));
 * }</pre>
 */
public final class Timing {

  private static final Logger LOG = LoggerFactory.getLogger(Timing.class);

  private final EventCollectorClient client;
  private final String system;
  private final String type;
  private String correlationId = UUID.randomUUID().toString();
  private String component;
  private String title;
  private JsonObject data = new JsonObject();
  private final List<String> tags = new ArrayList<>();

  Timing(EventCollectorClient client, String system, String eventType) {
    this.client = client;
    this.system = system;
    this.type = eventType.endsWith(".started") ? eventType.substring(0, eventType.length() - ".started".length()) : eventType;
  }

  /** The correlation id of the three events (a random UUID unless set). */
  public Timing correlationId(String correlationId) {
    this.correlationId = correlationId;
    return this;
  }

  public Timing component(String component) {
    this.component = component;
    return this;
  }

  /** The title prefix; default the event type. */
  public Timing title(String title) {
    this.title = title;
    return this;
  }

  /** Data put on every event. */
  public Timing data(JsonObject data) {
    this.data = data.copy();
    return this;
  }

  public Timing tags(String... values) {
    tags.addAll(List.of(values));
    return this;
  }

  public String correlationId() {
    return correlationId;
  }

  /** Runs {@code work} between its started and completed / failed events; answers what the work answers. */
  public <T> Future<T> run(Supplier<Future<T>> work) {
    long started = System.nanoTime();
    return collect(event("started", "info", "started")).transform(ignored -> {
      Future<T> result;
      try {
        result = work.get();
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      return result;
    }).transform(outcome -> {
      long durationMs = (System.nanoTime() - started) / 1_000_000;
      JsonObject end;
      if (outcome.succeeded()) {
        end = event("completed", "info", "completed");
      } else {
        Throwable error = outcome.cause();
        end = event("failed", "error", "failed: " + error.getMessage());
        end.getJsonObject("data").put("error", String.valueOf(error.getMessage())).put("error_type", error.getClass().getSimpleName());
      }
      end.put("duration_ms", durationMs);
      return collect(end).transform(ignored -> outcome.succeeded() ? Future.succeededFuture(outcome.result())
        : Future.failedFuture(outcome.cause()));
    });
  }

  private JsonObject event(String phase, String severity, String what) {
    JsonObject event = EventCollectorClient.event(system, type + "." + phase)
      .put("severity", severity)
      .put("timestamp", EventCollectorClient.iso(Instant.now()))
      .put("title", truncate((title == null ? type : title) + " " + what, 1024))
      .put("correlation_id", correlationId)
      .put("data", data.copy())
      .put("tags", new JsonArray(new ArrayList<>(tags)));
    if (component != null) {
      event.put("source_component", component);
    }
    return event;
  }

  private Future<JsonObject> collect(JsonObject event) {
    return client.collect(event).onFailure(e -> LOG.warn("Could not collect {} ({}): {}",
      event.getString("event_type"), correlationId, e.getMessage()));
  }

  private static String truncate(String text, int max) {
    return text.codePointCount(0, text.length()) <= max ? text : text.substring(0, text.offsetByCodePoints(0, max));
  }
}
