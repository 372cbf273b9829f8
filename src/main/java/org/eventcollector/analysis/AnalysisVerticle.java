package org.eventcollector.analysis;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.Failure;

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
      vertx.eventBus().consumer(Addresses.STATS, this::stats));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void stats(Message<JsonObject> message) {
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
        .put("time_range", new JsonObject().put("start", start).put("end", end));
    }).onComplete(ar -> reply(message, ar.result(), ar.cause()));
  }

  private Future<JsonObject> aggregate(JsonObject query, String... groupBy) {
    return vertx.eventBus().<JsonObject>request(Addresses.STORAGE_AGGREGATE,
        new JsonObject().put("query", query).put("group_by", new JsonArray(List.of((Object[]) groupBy))), TIMEOUT)
      .map(Message::body);
  }

  private static void reply(Message<?> message, JsonObject result, Throwable error) {
    if (error == null) {
      message.reply(result);
    } else {
      Failure.reply(message, error);
    }
  }
}
