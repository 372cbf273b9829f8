package org.eventcollector.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Java client of the collector for JVM services: it talks to the public event-bus addresses
 * (CONTRACT.md section 5) of a clustered collector, or of one embedded in the same Vert.x. Every
 * body is plain JSON with the contract's field names. A refused request fails its future with the
 * bus {@link io.vertx.core.eventbus.ReplyException}: {@code failureCode()} is the HTTP status of the
 * same failure (400, 404, 413, 429, 503) and {@code getMessage()} the REST {@code error} text; a
 * collector that is not there fails with {@code NO_HANDLERS} or {@code TIMEOUT}.
 */
public final class EventCollectorClient {

  /** Default time to wait for an answer. */
  public static final long DEFAULT_TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final DeliveryOptions options;

  /** A client on {@code vertx} (clustered, or running the collector itself). */
  public EventCollectorClient(Vertx vertx) {
    this(vertx, DEFAULT_TIMEOUT_MS);
  }

  /** A client whose requests time out after {@code timeoutMs}. */
  public EventCollectorClient(Vertx vertx, long timeoutMs) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  /** A new event object with the two required fields; add the others with {@code put}. */
  public static JsonObject event(String sourceSystem, String eventType) {
    return new JsonObject().put("source_system", sourceSystem).put("event_type", eventType);
  }

  /** Collects one event; answers {@code {"event_id", "status": "collected" | "duplicate"}} once it is stored. */
  public Future<JsonObject> collect(JsonObject event) {
    return request(Addresses.INGEST, event);
  }

  /** Collects up to 1000 events; answers the batch answer {@code {collected, failed, duplicates, status, errors}}. */
  public Future<JsonObject> collectBatch(List<JsonObject> events) {
    return vertx.eventBus().<JsonObject>request(Addresses.INGEST, new JsonArray(new ArrayList<>(events)), options)
      .map(reply -> reply.body());
  }

  /** A new fluent query bound to this client. */
  public EventQuery events() {
    return new EventQuery(this);
  }

  /** The events matching {@code query}, in its order. */
  public Future<List<JsonObject>> query(EventQuery query) {
    return request(Addresses.QUERY, query.toJson()).map(answer -> events(answer.getJsonArray("events")));
  }

  /** How many events match {@code query} (its limit, offset and order are ignored). */
  public Future<Long> count(EventQuery query) {
    return request(Addresses.COUNT, query.toJson()).map(answer -> answer.getLong("count"));
  }

  /** The events of one correlation id, oldest first. */
  public Future<List<JsonObject>> correlation(String correlationId) {
    return request(Addresses.CORRELATION, new JsonObject().put("correlation_id", correlationId))
      .map(answer -> events(answer.getJsonArray("events")));
  }

  /**
   * Statistics between {@code from} (inclusive) and {@code to} (exclusive); either may be null
   * for an open end. Answers {@code {total_events, by_source_system, by_event_type, by_severity, time_range}}.
   */
  public Future<JsonObject> stats(Instant from, Instant to) {
    JsonObject body = new JsonObject();
    if (from != null) {
      body.put("start_time", iso(from));
    }
    if (to != null) {
      body.put("end_time", iso(to));
    }
    return request(Addresses.STATS, body);
  }

  /**
   * Calls {@code handler} with every stored event that matches {@code filter} (null: all), as the
   * collector publishes them after commit. The filter's systems, event types, severities, minimum
   * severity, tags, any-tags, correlation id, component and search terms apply; its time range,
   * paging and order do not. A filter for exactly one system listens on that system's address only.
   */
  public Future<Subscription> subscribe(EventQuery filter, Handler<JsonObject> handler) {
    EventQuery matcher = filter == null ? new EventQuery(null) : filter;
    List<String> systems = matcher.systemsList();
    String address = systems.size() == 1 ? Addresses.streamOf(systems.get(0)) : Addresses.STREAM;
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, message -> {
      if (matcher.matches(message.body())) {
        handler.handle(message.body());
      }
    });
    return consumer.completion().map(v -> consumer::unregister);
  }

  /**
   * A timing helper: {@code timing("mahavishnu", "workflow").run(() -> work())} collects
   * {@code workflow.started}, then {@code workflow.completed} with {@code duration_ms}, or
   * {@code workflow.failed} with the error, all under one correlation id.
   */
  public Timing timing(String sourceSystem, String eventType) {
    return new Timing(this, sourceSystem, eventType);
  }

  /** The Vert.x this client talks through. */
  public Vertx vertx() {
    return vertx;
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, options).map(reply -> reply.body());
  }

  private static List<JsonObject> events(JsonArray array) {
    List<JsonObject> events = new ArrayList<>();
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        events.add(array.getJsonObject(i));
      }
    }
    return events;
  }

  static String iso(Instant time) {
    return DateTimeFormatter.ISO_INSTANT.format(time.truncatedTo(ChronoUnit.MILLIS));
  }

  /** A live subscription; {@link #unsubscribe()} ends it. */
  @FunctionalInterface
  public interface Subscription {
    Future<Void> unsubscribe();
  }
}
