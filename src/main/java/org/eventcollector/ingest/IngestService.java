package org.eventcollector.ingest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventValidator;
import org.eventcollector.event.StoreResult;
import org.eventcollector.metrics.CollectorMetrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ingest path shared by REST and {@code events.ingest}: validate, take rate-limit tokens, store,
 * answer after the commit. Failures are {@link CodedException}s with the contract's codes.
 */
final class IngestService {

  private final StorageWrites storage;
  private final EventValidator validator;
  private final CollectorMetrics metrics;
  private final int maxBatch;
  private final RateLimitLeases leases;

  IngestService(Vertx vertx, EventValidator validator, int maxBatch, boolean retryOnMemberLoss) {
    this.storage = new StorageWrites(vertx, retryOnMemberLoss);
    this.validator = validator;
    this.metrics = CollectorMetrics.get();
    this.maxBatch = maxBatch;
    this.leases = RateLimitLeases.of(vertx);
  }

  /**
   * Ingests one event. {@code allowed} is the set of systems the caller may ingest for (null: any).
   * Answers {@code {event_id, status}}; the status is {@code collected} or {@code duplicate}.
   */
  Future<JsonObject> ingestOne(Object raw, Set<String> allowed, boolean http) {
    long started = System.nanoTime();
    Event event;
    try {
      event = validator.validate(raw, System.currentTimeMillis());
    } catch (CodedException e) {
      metrics.invalid(http ? "http" : "bus", 1);
      return Future.failedFuture(e);
    }
    if (allowed != null && !allowed.contains(event.sourceSystem())) {
      return Future.failedFuture(new CodedException(Failure.FORBIDDEN,
        "this API key may not ingest for " + event.sourceSystem(), "source_system"));
    }
    return acquire(event.sourceSystem(), 1).compose(grant -> {
      if (grant.getLong("granted", 0L) < 1) {
        metrics.rateLimited(event.sourceSystem(), 1);
        return Future.failedFuture(new RateLimitedException(event.sourceSystem(), grant.getLong("retry_after_ms", 1000L)));
      }
      return store(List.of(event));
    }).map(results -> {
      String status = results.status(0);
      if (results.collected(0)) {
        metrics.collected(event.sourceSystem(), 1);
      } else {
        metrics.duplicate(1);
      }
      metrics.ingestLatency(http, System.nanoTime() - started);
      return new JsonObject().put("event_id", event.eventId()).put("status", status);
    });
  }

  /** Ingests a batch: invalid or rate-limited events fail alone, the others are stored together. */
  Future<JsonObject> ingestBatch(JsonArray raw, Set<String> allowed, boolean http) {
    long started = System.nanoTime();
    if (raw.isEmpty()) {
      return Future.failedFuture(CodedException.badRequest(null, "batch is empty"));
    }
    if (raw.size() > maxBatch) {
      return Future.failedFuture(new CodedException(Failure.TOO_LARGE, "batch holds more than " + maxBatch + " events", null));
    }
    long now = System.currentTimeMillis();
    JsonArray errors = new JsonArray();
    Event[] events = new Event[raw.size()];
    Map<String, List<Integer>> bySystem = new LinkedHashMap<>();
    for (int i = 0; i < raw.size(); i++) {
      try {
        Event event = validator.validate(raw.getValue(i), now);
        events[i] = event;
        bySystem.computeIfAbsent(event.sourceSystem(), s -> new ArrayList<>()).add(i);
      } catch (CodedException e) {
        errors.add(error(i, e.getMessage(), e.field()));
      }
    }
    if (errors.size() > 0) {
      metrics.invalid(http ? "http" : "bus", errors.size());
    }
    if (allowed != null) {
      for (String system : bySystem.keySet()) {
        if (!allowed.contains(system)) {
          return Future.failedFuture(new CodedException(Failure.FORBIDDEN,
            "this API key may not ingest for " + system, "source_system"));
        }
      }
    }
    List<Future<JsonObject>> grants = new ArrayList<>();
    List<String> systems = new ArrayList<>(bySystem.keySet());
    for (String system : systems) {
      grants.add(acquire(system, bySystem.get(system).size()));
    }
    return Future.all(grants).compose(all -> {
      boolean[] taken = new boolean[events.length];
      int limited = 0;
      long retryAfter = 0;
      String limitedSystem = null;
      for (int s = 0; s < systems.size(); s++) {
        JsonObject grant = grants.get(s).result();
        List<Integer> indexes = bySystem.get(systems.get(s));
        long granted = grant.getLong("granted", 0L);
        for (int k = 0; k < indexes.size(); k++) {
          if (k < granted) {
            taken[indexes.get(k)] = true;
          } else {
            errors.add(error(indexes.get(k), "rate limit exceeded for " + systems.get(s), null));
            limited++;
          }
        }
        if (granted < indexes.size()) {
          metrics.rateLimited(systems.get(s), indexes.size() - granted);
          retryAfter = Math.max(retryAfter, grant.getLong("retry_after_ms", 1000L));
          limitedSystem = limitedSystem == null ? systems.get(s) : limitedSystem;
        }
      }
      List<Event> accepted = new ArrayList<>();
      for (int i = 0; i < events.length; i++) {
        if (taken[i]) {
          accepted.add(events[i]);
        }
      }
      if (accepted.isEmpty()) {
        if (limited > 0 && limited == errors.size()) {
          return Future.failedFuture(new RateLimitedException(limitedSystem, retryAfter));
        }
        return Future.succeededFuture(answer(0, 0, errors));
      }
      return store(accepted).map(results -> {
        int duplicates = 0;
        Map<String, Integer> collected = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
          if (results.collected(i)) {
            collected.merge(accepted.get(i).sourceSystem(), 1, Integer::sum);
          } else {
            duplicates++;
          }
        }
        collected.forEach(metrics::collected);
        metrics.duplicate(duplicates);
        metrics.ingestLatency(http, System.nanoTime() - started);
        return answer(accepted.size(), duplicates, errors);
      });
    });
  }

  private static JsonObject answer(int collected, int duplicates, JsonArray errors) {
    List<Object> sorted = new ArrayList<>(errors.getList());
    sorted.sort((a, b) -> Integer.compare(index(a), index(b)));
    return new JsonObject()
      .put("collected", collected)
      .put("failed", errors.size())
      .put("duplicates", duplicates)
      .put("status", "batch_completed")
      .put("errors", new JsonArray(sorted));
  }

  @SuppressWarnings("unchecked")
  private static int index(Object error) {
    return error instanceof JsonObject json ? json.getInteger("index") : (Integer) ((Map<String, Object>) error).get("index");
  }

  private static JsonObject error(int index, String message, String field) {
    JsonObject error = new JsonObject().put("index", index).put("error", message);
    if (field != null) {
      error.put("field", field);
    }
    return error;
  }

  private Future<JsonObject> acquire(String system, int count) {
    return leases.acquire(system, count)
      .recover(e -> Future.failedFuture(new CodedException(Failure.UNAVAILABLE, "rate limiter unavailable: "
        + (e instanceof ReplyException r && r.failureType() != ReplyFailure.RECIPIENT_FAILURE
          ? (r.failureType() == ReplyFailure.TIMEOUT ? "timed out" : "no handler") : Failure.messageOf(e)), null)));
  }

  private Future<StoreResult> store(List<Event> events) {
    return storage.insert(events)
      .recover(e -> Future.failedFuture(new CodedException(Failure.UNAVAILABLE, storageMessage(e))));
  }

  private static String storageMessage(Throwable e) {
    String message = Failure.messageOf(e);
    return message.startsWith("storage unavailable") ? message : "storage unavailable: " + message;
  }
}
