package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The saved documents and outbox of the memory backend: gone with the process, like its events. */
final class MemorySavedStore implements SavedStore {

  private final Map<Kind, TreeMap<String, JsonObject>> documents = new EnumMap<>(Kind.class);
  private final Map<String, JsonObject> outbox = new HashMap<>();

  MemorySavedStore() {
    for (Kind kind : Kind.values()) {
      documents.put(kind, new TreeMap<>());
    }
  }

  @Override
  public Future<Void> open() {
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> get(Kind kind, String name) {
    JsonObject body = documents.get(kind).get(name);
    return Future.succeededFuture(body == null ? null : body.copy());
  }

  @Override
  public Future<List<JsonObject>> list(Kind kind) {
    List<JsonObject> all = new ArrayList<>();
    documents.get(kind).values().forEach(body -> all.add(body.copy()));
    return Future.succeededFuture(all);
  }

  @Override
  public Future<Void> put(Kind kind, String name, JsonObject body) {
    documents.get(kind).put(name, body.copy());
    return Future.succeededFuture();
  }

  @Override
  public Future<Boolean> delete(Kind kind, String name) {
    boolean existed = documents.get(kind).remove(name) != null;
    if (kind == Kind.RULES) {
      documents.get(Kind.STATES).remove(name);
      documents.get(Kind.SILENCES).remove(name);
    }
    return Future.succeededFuture(existed);
  }

  @Override
  public Future<Void> commit(Map<String, JsonObject> states, List<JsonObject> entries) {
    states.forEach((name, state) -> documents.get(Kind.STATES).put(name, state.copy()));
    entries.forEach(entry -> outbox.put(entry.getString("delivery_id"), entry.copy()));
    return Future.succeededFuture();
  }

  @Override
  public Future<List<JsonObject>> due(long now, int limit) {
    return Future.succeededFuture(outbox.values().stream()
      .filter(entry -> entry.getLong("next_at") <= now)
      .sorted(Comparator.comparingLong(entry -> entry.getLong("next_at")))
      .limit(Math.min(limit, DUE_MAX))
      .map(JsonObject::copy)
      .toList());
  }

  @Override
  public Future<Void> retry(String deliveryId, int attempts, long nextAt) {
    JsonObject entry = outbox.get(deliveryId);
    if (entry != null) {
      entry.put("attempts", attempts).put("next_at", nextAt);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> delivered(String deliveryId) {
    outbox.remove(deliveryId);
    return Future.succeededFuture();
  }
}
