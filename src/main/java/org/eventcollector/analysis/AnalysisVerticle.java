package org.eventcollector.analysis;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.eventcollector.event.Event;
import org.eventcollector.metrics.CollectorMetrics;

import java.time.DateTimeException;
import java.util.List;

/**
 * Role {@code analysis}: statistics and analyses computed by storage aggregates, never by loading
 * every event.
 */
public class AnalysisVerticle extends VerticleBase {

  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(60_000);

  @Override
  public Future<?> start() {
    List<MessageConsumer<JsonObject>> consumers = List.of(
      vertx.eventBus().consumer(Addresses.STATS, this::stats),
      vertx.eventBus().consumer(Addresses.ANALYSIS_ERRORS, m -> answer(m, "errors", "hours", 8760, this::errors)),
      vertx.eventBus().consumer(Addresses.ANALYSIS_PATTERNS, m -> answer(m, "patterns", "days", 365, this::patterns)),
      vertx.eventBus().consumer(Addresses.ANALYSIS_REPORT, m -> answer(m, "report", "hours", 8760, this::report)));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /** A time as REST echoes it (UTC, milliseconds); one that does not parse comes back unchanged (storage refuses it). */
  private static String normalTime(String time) {
    if (time == null) {
      return null;
    }
    try {
      return Event.formatTime(Event.parseTime(time));
    } catch (DateTimeException e) {
      return time;
    }
  }

  private void stats(Message<JsonObject> message) {
    long started = System.nanoTime();
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    JsonObject query = new JsonObject();
    String start = body.getValue("start_time") instanceof String s ? s : null;
    String end = body.getValue("end_time") instanceof String s ? s : null;
    if (start != null) {
      query.put("start_time", start);
    }
    if (end != null) {
      query.put("end_time", end);
    }
    aggregate(query, "source_system", "event_type", "severity").map(result -> {
      JsonObject groups = result.getJsonObject("groups");
      return new JsonObject()
        .put("total_events", result.getLong("total"))
        .put("by_source_system", groups.getJsonObject("source_system"))
        .put("by_event_type", groups.getJsonObject("event_type"))
        .put("by_severity", groups.getJsonObject("severity"))
        .put("time_range", new JsonObject().put("start", normalTime(start)).put("end", normalTime(end)));
    }).onComplete(ar -> {
      CollectorMetrics.get().analysis("stats", System.nanoTime() - started);
      reply(message, ar.result(), ar.cause());
    });
  }

  private Future<JsonObject> errors(int hours, long now) {
    JsonObject window = Analyses.window(now - hours * Analyses.HOUR, now).put("min_severity", "error");
    Future<JsonObject> counts = aggregate(window, "event_type", "source_system", "source_component", "severity");
    Future<JsonObject> recent = request(Addresses.QUERY, window.copy().put("limit", 10));
    Future<JsonObject> groups = request(Addresses.STORAGE_GROUP_ERRORS, new JsonObject().put("query", window).put("top", 10));
    return Future.all(counts, recent, groups).map(v -> Analyses.errors(counts.result(), recent.result(), groups.result()));
  }

  private Future<JsonObject> patterns(int days, long now) {
    // [now - days, now]: the first and the last clock hour are partial, and both are buckets.
    long start = now - days * 24L * Analyses.HOUR;
    long first = Analyses.hourOf(start);
    int buckets = (int) ((Analyses.hourOf(now) - first) / Analyses.HOUR) + 1;
    JsonObject window = Analyses.window(start, now);
    Future<JsonObject> counts = aggregate(window, "event_type", "source_system");
    Future<JsonObject> hourly = request(Addresses.STORAGE_COUNT_HOURLY, new JsonObject().put("query", window));
    Future<JsonObject> durations = request(Addresses.STORAGE_MEASURE_DURATIONS,
      new JsonObject().put("query", window).put("percentiles", false));
    return Future.all(counts, hourly, durations).map(v -> Analyses.patterns(first, buckets,
      counts.result(), hourly.result().getJsonObject("buckets"), durations.result()));
  }

  private Future<JsonObject> report(int hours, long now) {
    JsonObject window = Analyses.window(now - hours * Analyses.HOUR, now);
    Future<JsonObject> counts = aggregate(window, "severity", "source_system", "event_type");
    Future<JsonObject> durations = request(Addresses.STORAGE_MEASURE_DURATIONS,
      new JsonObject().put("query", window).put("percentiles", true));
    Future<JsonObject> recent = request(Addresses.QUERY, window.copy().put("limit", 10));
    return Future.all(counts, durations, recent).map(v -> Analyses.report(hours, counts.result(),
      durations.result(), recent.result()));
  }

  /** Validates the period ({@code hours} or {@code days}, a positive integer up to {@code max}) and answers. */
  private void answer(Message<JsonObject> message, String kind, String name, int max, Analysis analysis) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Object value = body.getValue(name);
    long period;
    try {
      period = value == null ? (name.equals("days") ? 7 : 24) : Long.parseLong(String.valueOf(value).trim());
    } catch (NumberFormatException e) {
      period = -1;
    }
    if (period < 1 || period > max) {
      Failure.reply(message, CodedException.badRequest(name, name + " must be an integer between 1 and " + max));
      return;
    }
    long started = System.nanoTime();
    analysis.run((int) period, System.currentTimeMillis()).onComplete(ar -> {
      CollectorMetrics.get().analysis(kind, System.nanoTime() - started);
      reply(message, ar.result(), ar.cause());
    });
  }

  private interface Analysis {
    Future<JsonObject> run(int period, long now);
  }

  private Future<JsonObject> aggregate(JsonObject query, String... groupBy) {
    return request(Addresses.STORAGE_AGGREGATE,
      new JsonObject().put("query", query).put("group_by", new JsonArray(List.of((Object[]) groupBy))));
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, TIMEOUT).map(Message::body);
  }

  private static void reply(Message<?> message, JsonObject result, Throwable error) {
    if (error == null) {
      message.reply(result);
    } else {
      Failure.reply(message, error);
    }
  }
}
