package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Saved queries, alert rules, their evaluated states and silences (named JSON documents), and the
 * durable outbox of alert notifications. Kept beside the events: in the SQLite file or the
 * PostgreSQL database ({@link SqlSavedStore}), or in memory with the memory backend.
 */
interface SavedStore {

  /** The kinds of named documents, each in its own table. */
  enum Kind {
    QUERIES("saved_queries"), RULES("alert_rules"), STATES("alert_states"), SILENCES("alert_silences");

    final String table;

    Kind(String table) {
      this.table = table;
    }

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The kind named {@code value} on the bus, or null. */
    static Kind parse(Object value) {
      for (Kind kind : values()) {
        if (kind.wire().equals(value)) {
          return kind;
        }
      }
      return null;
    }
  }

  /** Most outbox entries one {@link #due} answer holds. */
  int DUE_MAX = 1_000;

  Future<Void> open();

  /** The document, or null. */
  Future<JsonObject> get(Kind kind, String name);

  /** Every document of {@code kind}, by name. */
  Future<List<JsonObject>> list(Kind kind);

  Future<Void> put(Kind kind, String name, JsonObject body);

  /** True when it existed. Deleting a rule deletes its state and silence too. */
  Future<Boolean> delete(Kind kind, String name);

  /**
   * In one transaction: the states (rule name to state) and the new outbox entries
   * ({@code {delivery_id, target, body, attempts, next_at, created_at}}).
   */
  Future<Void> commit(Map<String, JsonObject> states, List<JsonObject> outbox);

  /** Outbox entries whose {@code next_at} has come, soonest first, at most {@code limit}. */
  Future<List<JsonObject>> due(long now, int limit);

  Future<Void> retry(String deliveryId, int attempts, long nextAt);

  Future<Void> delivered(String deliveryId);
}
