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

  /** The most events one batch may hold. */
  int maxBatch() {
    return maxBatch;
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
      metrics.ingested(protocol(http), "invalid", 1);
      return Future.failedFuture(e);
    }
    if (allowed != null && !allowed.contains(event.sourceSystem())) {
      return Future.failedFuture(new CodedException(Failure.FORBIDDEN,
        "this API key may not ingest for " + event.sourceSystem(), "source_system"));
    }
    return acquire(event.sourceSystem(), 1).compose(grant -> {
      if (grant.getLong("granted", 0L) < 1) {
        metrics.rateLimited(event.sourceSystem(), 1);
        metrics.ingested(protocol(http), "rate_limited", 1);
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
      metrics.ingested(protocol(http), status, 1);
      metrics.ingestLatency(http, System.nanoTime() - started);
      return new JsonObject().put("event_id", event.eventId()).put("status", status);
    });
  }

  /** Ingests a batch: invalid or rate-limited events fail alone, the others are stored together. */
  Future<JsonObject> ingestBatch(JsonArray raw, Set<String> allowed, boolean http) {
    return ingestBatch(raw.getList(), allowed, http ? Protocol.REST : Protocol.BUS);
  }

  /**
   * Ingests a batch of {@code items} (raw events, or a {@link CodedException} for an item that
   * failed before it could be read): the batch answer of section 3, or a 429 when nothing was taken
   * for the rate limit alone.
   */
  Future<JsonObject> ingestBatch(List<?> items, Set<String> allowed, Protocol protocol) {
    if (items.isEmpty()) {
      return Future.failedFuture(CodedException.badRequest(null, "batch is empty"));
    }
    if (items.size() > maxBatch) {
      return Future.failedFuture(new CodedException(Failure.TOO_LARGE, "batch holds more than " + maxBatch + " events", null));
    }
    return ingestItems(items, allowed, protocol, false).compose(outcome -> {
      if (outcome.accepted() == 0 && outcome.limited() > 0 && outcome.limited() == outcome.errors().size()) {
        return Future.failedFuture(new RateLimitedException(outcome.limitedSystem(), outcome.retryAfterMs()));
      }
      return Future.succeededFuture(answer(outcome.accepted(), outcome.duplicates(), outcome.errors()));
    });
  }

  /** What became of the items of one request. {@code errors} is sorted by index. */
  record Outcome(int accepted, int duplicates, JsonArray errors, int limited, String limitedSystem, long retryAfterMs) {
  }

  /**
   * The path every ingest route shares: validate each item, refuse the whole request with 403 if
   * the key may not ingest for one of its systems, take rate-limit tokens per system, store the
   * events taken in one write and answer after its commit. With {@code whole}, a request is taken
   * whole or not at all: one invalid item, or one not granted a token, stores nothing (the tokens
   * granted to the others go back to this node's lease).
   */
  Future<Outcome> ingestItems(List<?> items, Set<String> allowed, Protocol protocol, boolean whole) {
    long started = System.nanoTime();
    long now = System.currentTimeMillis();
    JsonArray errors = new JsonArray();
    Event[] events = new Event[items.size()];
    Map<String, List<Integer>> bySystem = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      try {
        Object raw = items.get(i);
        if (raw instanceof CodedException unread) {
          throw unread;
        }
        // A JsonArray's list may hold its objects as bare maps.
        Event event = validator.validate(raw instanceof Map<?, ?> map ? new JsonObject(cast(map)) : raw, now);
        events[i] = event;
        bySystem.computeIfAbsent(event.sourceSystem(), s -> new ArrayList<>()).add(i);
      } catch (CodedException e) {
        errors.add(error(i, e.getMessage(), e.field()));
      }
    }
    if (errors.size() > 0) {
      metrics.invalid(protocol.http() ? "http" : "bus", errors.size());
      metrics.ingested(protocol.tag(), "invalid", errors.size());
    }
    if (allowed != null) {
      for (String system : bySystem.keySet()) {
        if (!allowed.contains(system)) {
          return Future.failedFuture(new CodedException(Failure.FORBIDDEN,
            "this API key may not ingest for " + system, "source_system"));
        }
      }
    }
    if (whole && errors.size() > 0) {
      return Future.succeededFuture(new Outcome(0, 0, errors, 0, null, 0));
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
          metrics.ingested(protocol.tag(), "rate_limited", indexes.size() - granted);
          retryAfter = Math.max(retryAfter, grant.getLong("retry_after_ms", 1000L));
          limitedSystem = limitedSystem == null ? systems.get(s) : limitedSystem;
        }
      }
      if (whole && limited > 0) {
        for (int s = 0; s < systems.size(); s++) {
          long granted = Math.min(grants.get(s).result().getLong("granted", 0L), bySystem.get(systems.get(s)).size());
          leases.giveBack(systems.get(s), granted);
          // Refused with the rest, so counted as refused too.
          metrics.rateLimited(systems.get(s), granted);
          metrics.ingested(protocol.tag(), "rate_limited", granted);
        }
        return Future.succeededFuture(new Outcome(0, 0, sorted(errors), limited, limitedSystem, retryAfter));
      }
      List<Event> accepted = new ArrayList<>();
      for (int i = 0; i < events.length; i++) {
        if (taken[i]) {
          accepted.add(events[i]);
        }
      }
      Outcome refused = new Outcome(0, 0, sorted(errors), limited, limitedSystem, retryAfter);
      if (accepted.isEmpty()) {
        return Future.succeededFuture(refused);
      }
      int limitedCount = limited;
      String limitedName = limitedSystem;
      long retryAfterMs = retryAfter;
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
        metrics.ingested(protocol.tag(), "collected", accepted.size() - duplicates);
        metrics.ingested(protocol.tag(), "duplicate", duplicates);
        metrics.ingestLatency(protocol.http(), System.nanoTime() - started);
        return new Outcome(accepted.size(), duplicates, sorted(errors), limitedCount, limitedName, retryAfterMs);
      });
    });
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }

  private static String protocol(boolean http) {
    return (http ? Protocol.REST : Protocol.BUS).tag();
  }

  private static JsonArray sorted(JsonArray errors) {
    List<Object> sorted = new ArrayList<>(errors.getList());
    sorted.sort((a, b) -> Integer.compare(index(a), index(b)));
    return new JsonArray(sorted);
  }

  private static JsonObject answer(int collected, int duplicates, JsonArray errors) {
    return new JsonObject()
      .put("collected", collected)
      .put("failed", errors.size())
      .put("duplicates", duplicates)
      .put("status", "batch_completed")
      .put("errors", sorted(errors));
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
