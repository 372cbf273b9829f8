package org.eventcollector.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.RoutingContext;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.Failure;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.metrics.CollectorMetrics;

/** {@code GET /health} and {@code events.health}: the seed's shape, built on vertx-health-check. */
final class Health {

  private static final long TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final JsonObject config;
  private final HealthChecks checks;

  Health(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.config = config;
    this.checks = HealthChecks.create(vertx);
    checks.register("storage", TIMEOUT_MS, promise -> vertx.eventBus()
      .<JsonObject>request(Addresses.STORAGE_HEALTH, new JsonObject(), new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
      .onSuccess(reply -> promise.complete(Status.OK(reply.body())))
      .onFailure(e -> promise.complete(Status.KO(new JsonObject()
        .put("status", "unhealthy")
        .put("storage_type", Config.string(config, ConfigKeys.Storage.BACKEND, "sqlite"))
        .put("error", Failure.messageOf(e))))));
  }

  void register() {
    vertx.eventBus().<JsonObject>consumer(Addresses.HEALTH, message -> check().onSuccess(message::reply));
  }

  void handle(RoutingContext ctx) {
    check().onSuccess(answer -> Responses.json(ctx, "unhealthy".equals(answer.getString("status")) ? 503 : 200, answer));
  }

  Future<JsonObject> check() {
    return checks.checkStatus().map(this::answer);
  }

  private JsonObject answer(CheckResult result) {
    JsonObject storage = new JsonObject();
    if (result.getChecks() != null) {
      for (CheckResult check : result.getChecks()) {
        if (check.getId().equals("storage") && check.getData() != null) {
          storage = check.getData().copy();
        }
      }
    }
    boolean ok = result.getUp();
    String backend = Config.string(config, ConfigKeys.Storage.BACKEND, "sqlite");
    String status = ok ? storage.getString("status", "healthy") : "unhealthy";
    CollectorMetrics metrics = CollectorMetrics.get();
    JsonObject collector = new JsonObject()
      .put("healthy", ok)
      .put("started", true)
      .put("storage_type", storageClass(backend))
      .put("events_processed", storage.getLong("events_processed", 0L))
      .put("active_websockets", metrics.streamClients().get())
      .put("active_sockjs", metrics.sockjsClients().get())
      .put("roles", new JsonArray(Config.strings(config.getValue(ConfigKeys.ROLES))))
      .put("cluster", Config.bool(config, ConfigKeys.CLUSTER, false));
    storage.remove("events_processed");
    return new JsonObject().put("status", status).put("collector", collector).put("storage", storage);
  }

  private static String storageClass(String backend) {
    return switch (backend) {
      case "memory" -> "MemoryEventStorage";
      case "session_buddy" -> "SessionBuddyEventStorage";
      case "postgres" -> "PostgresEventStorage";
      default -> "SQLiteEventStorage";
    };
  }
}
