package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Serves a {@link SavedStore} on the {@code events.storage.saved.*} and {@code events.storage.alerts.*} addresses. */
final class SavedConsumers {

  private static final Logger LOG = LoggerFactory.getLogger(SavedConsumers.class);

  private final SavedStore store;

  private SavedConsumers(SavedStore store) {
    this.store = store;
  }

  /** Registers the consumers of {@code store} on {@code bus}, adding them to {@code consumers}. */
  static void register(EventBus bus, SavedStore store, List<MessageConsumer<?>> consumers) {
    SavedConsumers saved = new SavedConsumers(store);
    consumers.add(bus.<JsonObject>consumer(Addresses.SAVED_GET, m -> saved.answer(m, body -> {
      SavedStore.Kind kind = kind(body);
      String name = name(body);
      return store.get(kind, name).compose(doc -> doc == null
        ? Future.failedFuture(new CodedException(Failure.NOT_FOUND, kind.wire() + " '" + name + "' not found", "name"))
        : Future.succeededFuture(doc));
    })));
    consumers.add(bus.<JsonObject>consumer(Addresses.SAVED_LIST, m -> saved.answer(m, body ->
      store.list(kind(body)).map(items -> new JsonObject().put("items", new JsonArray(new ArrayList<>(items)))))));
    consumers.add(bus.<JsonObject>consumer(Addresses.SAVED_PUT, m -> saved.answer(m, body -> {
      JsonObject doc = body.getValue("body") instanceof JsonObject object ? object : null;
      if (doc == null) {
        throw CodedException.badRequest("body", "body must be an object");
      }
      return store.put(kind(body), name(body), doc).map(doc);
    })));
    consumers.add(bus.<JsonObject>consumer(Addresses.SAVED_DELETE, m -> saved.answer(m, body ->
      store.delete(kind(body), name(body)).map(existed -> new JsonObject().put("deleted", existed)))));
    consumers.add(bus.<JsonObject>consumer(Addresses.ALERTS_COMMIT, m -> saved.answer(m, body -> {
      Map<String, JsonObject> states = new LinkedHashMap<>();
      JsonObject given = body.getJsonObject("states", new JsonObject());
      given.fieldNames().forEach(name -> states.put(name, given.getJsonObject(name)));
      List<JsonObject> outbox = new ArrayList<>();
      body.getJsonArray("outbox", new JsonArray()).forEach(entry -> outbox.add((JsonObject) entry));
      return store.commit(states, outbox).map(v -> new JsonObject());
    })));
    consumers.add(bus.<JsonObject>consumer(Addresses.ALERTS_DUE, m -> saved.answer(m, body ->
      store.due(body.getLong("now", System.currentTimeMillis()), body.getInteger("limit", 100))
        .map(entries -> new JsonObject().put("entries", new JsonArray(new ArrayList<>(entries)))))));
    consumers.add(bus.<JsonObject>consumer(Addresses.ALERTS_RETRY, m -> saved.answer(m, body ->
      store.retry(body.getString("delivery_id"), body.getInteger("attempts", 0), body.getLong("next_at"))
        .map(v -> new JsonObject()))));
    consumers.add(bus.<JsonObject>consumer(Addresses.ALERTS_DELIVERED, m -> saved.answer(m, body ->
      store.delivered(body.getString("delivery_id")).map(v -> new JsonObject()))));
  }

  private static SavedStore.Kind kind(JsonObject body) {
    SavedStore.Kind kind = SavedStore.Kind.parse(body.getValue("kind"));
    if (kind == null) {
      throw CodedException.badRequest("kind", "kind must be one of queries, rules, states, silences");
    }
    return kind;
  }

  private static String name(JsonObject body) {
    if (!(body.getValue("name") instanceof String name) || name.isEmpty()) {
      throw CodedException.badRequest("name", "name is required");
    }
    return name;
  }

  private void answer(Message<JsonObject> message, Function<JsonObject, Future<JsonObject>> action) {
    Future<JsonObject> answer;
    try {
      answer = action.apply(message.body() == null ? new JsonObject() : message.body());
    } catch (CodedException | ClassCastException e) {
      answer = Future.failedFuture(e instanceof CodedException ? e : CodedException.badRequest(null, "malformed request"));
    }
    answer.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else if (ar.cause() instanceof CodedException) {
        Failure.reply(message, ar.cause());
      } else {
        LOG.error("Saved-document operation on {} failed", message.address(), ar.cause());
        message.fail(Failure.UNAVAILABLE, "storage unavailable: " + Failure.messageOf(ar.cause()));
      }
    });
  }
}
