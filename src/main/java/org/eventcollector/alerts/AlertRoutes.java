package org.eventcollector.alerts;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.eventcollector.event.SavedParams;
import org.eventcollector.http.Access;
import org.eventcollector.http.Responses;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code /queries} and {@code /alerts} (CONTRACT.md section 12): saved queries and alert rules,
 * kept by the storage role. Scope {@code read} reads, {@code admin} changes.
 */
final class AlertRoutes {

  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(30_000);
  private static final int MAX_BODY = 64 * 1024;

  private final EventBus bus;
  private final Specs specs;

  AlertRoutes(Vertx vertx, Specs specs) {
    this.bus = vertx.eventBus();
    this.specs = specs;
  }

  void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY);
    // The content type is checked on its own route, before the body is read: 415 wins over 413.
    router.put("/queries/:name").handler(Responses::requireJson);
    router.post("/alerts/:name/silence").handler(Responses::requireJson);
    router.put("/alerts/:name").handler(Responses::requireJson);
    router.put("/queries/:name").handler(body).handler(this::putQuery);
    router.post("/alerts/:name/silence").handler(body).handler(this::silence);
    router.put("/alerts/:name").handler(body).handler(this::putRule);
    router.get("/queries").handler(ctx -> read(ctx, () -> list("queries").map(items -> new JsonObject().put("queries", items))));
    router.get("/queries/:name").handler(ctx -> read(ctx, () -> get("queries", known(ctx))));
    router.delete("/queries/:name").handler(ctx -> delete(ctx, "queries"));
    router.get("/alerts").handler(ctx -> read(ctx, this::rules));
    router.get("/alerts/:name").handler(ctx -> read(ctx, () -> rule(known(ctx))));
    router.delete("/alerts/:name").handler(ctx -> delete(ctx, "rules"));
  }

  private static void read(RoutingContext ctx, java.util.function.Supplier<Future<JsonObject>> answer) {
    Access.require(ctx, Access.READ);
    noParams(ctx);
    answer(ctx, answer.get());
  }

  private void putQuery(RoutingContext ctx) {
    Access.require(ctx, Access.ADMIN);
    noParams(ctx);
    JsonObject query = specs.query(ctx.pathParam("name"), object(ctx));
    answer(ctx, put("queries", query.getString("name"), query));
  }

  private void putRule(RoutingContext ctx) {
    Access.require(ctx, Access.ADMIN);
    noParams(ctx);
    JsonObject rule = specs.rule(ctx.pathParam("name"), object(ctx));
    String name = rule.getString("name");
    Future<?> checked = Future.succeededFuture();
    if (rule.getValue("query") instanceof String saved) {
      // A rule may only name a saved query that exists.
      checked = get("queries", saved).recover(e -> Future.failedFuture(Failure.codeOf(e) == Failure.NOT_FOUND
        ? CodedException.badRequest("query", "unknown saved query '" + saved + "'") : e));
    }
    answer(ctx, checked.compose(v -> put("rules", name, rule)).compose(v -> rule(name)));
  }

  private void silence(RoutingContext ctx) {
    Access.require(ctx, Access.ADMIN);
    noParams(ctx);
    JsonObject body = object(ctx);
    for (String field : body.fieldNames()) {
      if (!field.equals("minutes")) {
        throw CodedException.badRequest(field, "unknown field '" + field + "' (minutes)");
      }
    }
    Object minutes = body.getValue("minutes");
    if (!(minutes instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
      || n.doubleValue() < 1 || n.doubleValue() > 10_080) {
      throw CodedException.badRequest("minutes", "minutes must be an integer from 1 to 10080");
    }
    String name = known(ctx);
    long now = System.currentTimeMillis();
    JsonObject silence = new JsonObject().put("since", now).put("until", now + n.longValue() * 60_000L);
    answer(ctx, get("rules", name)
      .compose(rule -> put("silences", name, silence))
      .compose(v -> rule(name)));
  }

  private void delete(RoutingContext ctx, String kind) {
    Access.require(ctx, Access.ADMIN);
    noParams(ctx);
    String name = known(ctx);
    JsonObject request = new JsonObject().put("kind", kind).put("name", name);
    bus.<JsonObject>request(Addresses.SAVED_DELETE, request, TIMEOUT).onComplete(ar -> {
      if (ar.failed()) {
        Responses.fail(ctx, ar.cause());
      } else if (!ar.result().body().getBoolean("deleted", false)) {
        Responses.fail(ctx, notFound(kind, name));
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  /** Every rule with its state. */
  private Future<JsonObject> rules() {
    Future<JsonArray> rules = list("rules");
    Future<Map<String, JsonObject>> states = byName("states");
    Future<Map<String, JsonObject>> silences = byName("silences");
    return Future.all(rules, states, silences).map(v -> {
      long now = System.currentTimeMillis();
      JsonArray alerts = new JsonArray();
      for (Object item : rules.result()) {
        JsonObject rule = (JsonObject) item;
        String name = rule.getString("name");
        alerts.add(RuleView.of(rule, states.result().get(name), silences.result().get(name), now));
      }
      return new JsonObject().put("alerts", alerts);
    });
  }

  /** One rule with its state; 404 when there is none. */
  private Future<JsonObject> rule(String name) {
    Future<JsonObject> rule = get("rules", name);
    Future<JsonObject> state = optional("states", name);
    Future<JsonObject> silence = optional("silences", name);
    return Future.all(rule, state, silence)
      .map(v -> RuleView.of(rule.result(), state.result(), silence.result(), System.currentTimeMillis()));
  }

  private Future<JsonObject> get(String kind, String name) {
    return bus.<JsonObject>request(Addresses.SAVED_GET, new JsonObject().put("kind", kind).put("name", name), TIMEOUT)
      .map(Message::body)
      .recover(e -> Future.failedFuture(Failure.codeOf(e) == Failure.NOT_FOUND ? notFound(kind, name) : e));
  }

  private Future<JsonObject> optional(String kind, String name) {
    return get(kind, name).recover(e -> Failure.codeOf(e) == Failure.NOT_FOUND ? Future.succeededFuture(null) : Future.failedFuture(e));
  }

  private Future<JsonArray> list(String kind) {
    return bus.<JsonObject>request(Addresses.SAVED_LIST, new JsonObject().put("kind", kind), TIMEOUT)
      .map(reply -> reply.body().getJsonArray("items"));
  }

  private Future<Map<String, JsonObject>> byName(String kind) {
    return list(kind).map(items -> {
      Map<String, JsonObject> map = new HashMap<>();
      items.forEach(item -> {
        JsonObject doc = (JsonObject) item;
        map.put(doc.getString("name"), doc);
      });
      return map;
    });
  }

  private Future<JsonObject> put(String kind, String name, JsonObject doc) {
    // States and silences are stored under their rule's name; the name inside serves the lists.
    JsonObject body = doc.containsKey("name") ? doc : doc.copy().put("name", name);
    JsonObject request = new JsonObject().put("kind", kind).put("name", name).put("body", body);
    return bus.<JsonObject>request(Addresses.SAVED_PUT, request, TIMEOUT).map(reply -> doc);
  }

  private static CodedException notFound(String kind, String name) {
    String what = kind.equals("queries") ? "saved query" : "alert rule";
    return new CodedException(Failure.NOT_FOUND, what + " '" + name + "' not found", "name");
  }

  /** The path's name; a name that cannot exist is not found. */
  private static String known(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    if (!SavedParams.NAME.matcher(name).matches()) {
      String kind = ctx.normalizedPath().startsWith("/queries") ? "queries" : "rules";
      throw notFound(kind, name.length() > 64 ? name.substring(0, 64) + "…" : name);
    }
    return name;
  }

  private static void noParams(RoutingContext ctx) {
    for (String name : Responses.params(ctx).keySet()) {
      throw CodedException.badRequest(name, "unknown query parameter '" + name + "'");
    }
  }

  private static JsonObject object(RoutingContext ctx) {
    var buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      throw CodedException.badRequest(null, "body is empty");
    }
    try {
      return new JsonObject(buffer);
    } catch (DecodeException | ClassCastException | IllegalStateException e) {
      throw CodedException.badRequest(null, "body must be a JSON object");
    }
  }

  private static void answer(RoutingContext ctx, Future<JsonObject> answer) {
    answer.onComplete(ar -> {
      if (ar.succeeded()) {
        Responses.json(ctx, 200, ar.result());
      } else {
        Responses.fail(ctx, ar.cause());
      }
    });
  }
}
