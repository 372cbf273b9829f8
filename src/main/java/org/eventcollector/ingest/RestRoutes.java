package org.eventcollector.ingest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.event.Event;
import org.eventcollector.event.QueryParser;
import org.eventcollector.event.SavedParams;
import org.eventcollector.http.Access;
import org.eventcollector.http.Responses;

import java.time.DateTimeException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The REST routes of role {@code ingest} (CONTRACT.md section 3). */
final class RestRoutes {

  private static final List<String> PAGING = List.of("limit", "offset", "sort_by", "sort_order");
  private static final DeliveryOptions READ_TIMEOUT = new DeliveryOptions().setSendTimeout(30_000);
  /** A large delete runs in many short chunks; its answer may take minutes. */
  private static final DeliveryOptions DELETE_TIMEOUT = new DeliveryOptions().setSendTimeout(600_000);

  private final EventBus bus;
  private final IngestService service;
  private final int maxEventBytes;
  private final int maxBatchBytes;
  private final QueryParser parser;

  RestRoutes(Vertx vertx, IngestService service, JsonObject config) {
    this.bus = vertx.eventBus();
    this.service = service;
    this.maxEventBytes = Config.integer(config, ConfigKeys.Http.MAX_EVENT_BYTES, 65536);
    this.maxBatchBytes = Config.integer(config, ConfigKeys.Http.MAX_BATCH_BYTES, 16 * 1024 * 1024);
    this.parser = new QueryParser(new HashSet<>(Config.strings(config.getValue(ConfigKeys.SYSTEMS))));
  }

  void mount(Router router) {
    BodyHandler single = BodyHandler.create(false).setBodyLimit(maxEventBytes);
    BodyHandler batch = BodyHandler.create(false).setBodyLimit(maxBatchBytes);
    // The content type is checked on its own route, before the body is read: 415 wins over 413.
    router.post("/events/batch").handler(Ndjson::requireJsonOrNdjson);
    router.post("/events").handler(this::requireJson);
    router.put("/rate-limits/:system").handler(this::requireJson);
    router.post("/events/batch").handler(batch).handler(this::postBatch);
    router.post("/events").handler(single).handler(this::postEvent);
    router.get("/events/count").handler(ctx -> withSaved(ctx, params -> read(ctx, Access.READ, Addresses.COUNT, countObject(params))));
    router.get("/events/stats").handler(this::stats);
    router.get("/events/correlation/:correlation_id").handler(this::correlation);
    router.get("/events/:event_id").handler(this::get);
    router.get("/events").handler(ctx -> withSaved(ctx, params -> read(ctx, Access.READ, Addresses.QUERY, queryObject(params, false))));
    router.delete("/events").handler(this::delete);
    router.get("/rate-limits").handler(ctx -> read(ctx, Access.ADMIN, Addresses.RATELIMIT_GET, noParams(ctx)));
    router.put("/rate-limits/:system").handler(single).handler(this::setLimit);
    router.get("/analysis/errors").handler(ctx -> analysis(ctx, Addresses.ANALYSIS_ERRORS, "hours", 24, 8760));
    router.get("/analysis/patterns").handler(ctx -> analysis(ctx, Addresses.ANALYSIS_PATTERNS, "days", 7, 365));
    router.get("/analysis/report").handler(ctx -> analysis(ctx, Addresses.ANALYSIS_REPORT, "hours", 24, 8760));
  }

  private void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String base = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase();
    if (!base.equals("application/json") && !(base.startsWith("application/") && base.endsWith("+json"))) {
      ctx.fail(new CodedException(415, "Content-Type must be application/json", null));
      return;
    }
    if (!ctx.request().method().equals(io.vertx.core.http.HttpMethod.PUT)) {
      Bodies.requireCoding(ctx, Bodies.HTTP_CODINGS);
    }
    ctx.next();
  }

  private void postEvent(RoutingContext ctx) {
    Set<String> allowed = Access.ingestSystems(ctx);
    Object body = parse(Bodies.decoded(ctx, maxEventBytes));
    if (!(body instanceof JsonObject)) {
      throw CodedException.badRequest(null, "body must be a JSON object (use /events/batch for arrays)");
    }
    service.ingestOne(body, allowed, true).onComplete(ar -> {
      if (ar.succeeded()) {
        JsonObject result = ar.result();
        Responses.json(ctx, "collected".equals(result.getString("status")) ? 201 : 200, result);
      } else {
        Responses.fail(ctx, ar.cause());
      }
    });
  }

  private void postBatch(RoutingContext ctx) {
    Set<String> allowed = Access.ingestSystems(ctx);
    Buffer decoded = Bodies.decoded(ctx, maxBatchBytes);
    Object body = Ndjson.is(ctx) ? Ndjson.items(decoded, service.maxBatch()) : parse(decoded);
    if (!(body instanceof JsonArray) && !(body instanceof List)) {
      throw CodedException.badRequest(null, "body must be a JSON array of events");
    }
    List<?> items = body instanceof JsonArray array ? array.getList() : (List<?>) body;
    service.ingestBatch(items, allowed, Protocol.REST).onComplete(ar -> {
      if (ar.succeeded()) {
        Responses.json(ctx, 201, ar.result());
      } else {
        Responses.fail(ctx, ar.cause());
      }
    });
  }

  static Object parse(Buffer buffer) {
    if (buffer == null || buffer.length() == 0) {
      throw CodedException.badRequest(null, "body is empty");
    }
    try {
      return Json.decodeValue(buffer);
    } catch (DecodeException | IllegalStateException e) {
      throw CodedException.badRequest(null, "body is not valid JSON");
    }
  }

  private void get(RoutingContext ctx) {
    noParams(ctx);
    String id = ctx.pathParam("event_id");
    if (id.equals("batch")) {
      ctx.response().putHeader("Allow", "POST, OPTIONS");
      throw new CodedException(405, "method GET not allowed on /events/batch", null);
    }
    read(ctx, Access.READ, Addresses.GET, new JsonObject().put("event_id", id));
  }

  private void correlation(RoutingContext ctx) {
    Map<String, List<String>> params = Responses.params(ctx);
    JsonObject body = new JsonObject().put("correlation_id", ctx.pathParam("correlation_id"));
    for (Map.Entry<String, List<String>> param : params.entrySet()) {
      if (!param.getKey().equals("limit")) {
        throw CodedException.badRequest(param.getKey(), "unknown query parameter '" + param.getKey() + "'");
      }
      body.put("limit", integer("limit", param.getValue(), 1, 10_000));
    }
    read(ctx, Access.READ, Addresses.CORRELATION, body);
  }

  private void stats(RoutingContext ctx) {
    JsonObject body = new JsonObject();
    for (Map.Entry<String, List<String>> param : Responses.params(ctx).entrySet()) {
      String name = param.getKey();
      if (!name.equals("start_time") && !name.equals("end_time")) {
        throw CodedException.badRequest(name, "unknown query parameter '" + name + "'");
      }
      body.put(name, time(name, param.getValue()));
    }
    read(ctx, Access.READ, Addresses.STATS, body);
  }

  private void delete(RoutingContext ctx) {
    Map<String, List<String>> params = Responses.params(ctx);
    Long before = null;
    for (Map.Entry<String, List<String>> param : params.entrySet()) {
      if (!param.getKey().equals("before")) {
        throw CodedException.badRequest(param.getKey(), "unknown query parameter '" + param.getKey() + "'");
      }
      before = Event.parseTime(time("before", param.getValue()));
    }
    if (before == null) {
      throw CodedException.badRequest("before", "before is required (an ISO-8601 time)");
    }
    read(ctx, Access.ADMIN, Addresses.STORAGE_DELETE, new JsonObject().put("before", before), DELETE_TIMEOUT);
  }

  private void setLimit(RoutingContext ctx) {
    Access.require(ctx, Access.ADMIN);
    Object body = parse(ctx.body().buffer());
    if (!(body instanceof JsonObject limit)) {
      throw CodedException.badRequest(null, "body must be a JSON object {per_second, burst}");
    }
    for (String field : limit.fieldNames()) {
      if (!field.equals("per_second") && !field.equals("burst")) {
        throw CodedException.badRequest(field, "unknown field '" + field + "'");
      }
    }
    // The node that took the change applies it before answering; the others on the broadcast.
    bus.<JsonObject>request(Addresses.RATELIMIT_SET, limit.copy().put("source_system", ctx.pathParam("system")), READ_TIMEOUT)
      .onComplete(ar -> {
        if (ar.succeeded()) {
          RateLimitLeases.of(ctx.vertx()).changed(ar.result().body());
          Responses.json(ctx, 200, ar.result().body());
        } else {
          Responses.fail(ctx, ReplyFields.named(ar.cause(), limit));
        }
      });
  }

  private void analysis(RoutingContext ctx, String address, String name, int fallback, int max) {
    JsonObject body = new JsonObject().put(name, fallback);
    for (Map.Entry<String, List<String>> param : Responses.params(ctx).entrySet()) {
      if (!param.getKey().equals(name)) {
        throw CodedException.badRequest(param.getKey(), "unknown query parameter '" + param.getKey() + "'");
      }
      body.put(name, integer(name, param.getValue(), 1, max));
    }
    read(ctx, Access.READ, address, body);
  }

  /** The request's parameters, with those of the saved query that {@code ?saved=} names (section 12). */
  private void withSaved(RoutingContext ctx, java.util.function.Consumer<Map<String, List<String>>> then) {
    Access.require(ctx, Access.READ);
    Map<String, List<String>> params = Responses.params(ctx);
    if (!params.containsKey(SavedParams.PARAM)) {
      then.accept(params);
      return;
    }
    SavedParams.apply(bus, params, null).onComplete(ar -> {
      try {
        if (ar.failed()) {
          throw ar.cause();
        }
        then.accept(ar.result());
      } catch (Throwable e) {
        Responses.fail(ctx, e);
      }
    });
  }

  /** Validates the query here, so a bad parameter is named in the 400, then forwards it as a bus query object. */
  private JsonObject queryObject(Map<String, List<String>> params, boolean ignorePaging) {
    if (ignorePaging) {
      PAGING.forEach(params::remove);
    }
    parser.parse(params, System.currentTimeMillis());
    JsonObject query = new JsonObject();
    params.forEach((name, values) -> query.put(name, values.size() == 1 ? values.get(0) : new JsonArray(List.copyOf(values))));
    return query;
  }

  /** A count takes the query's filters; paging and sorting do not change it, so they are ignored. */
  private JsonObject countObject(Map<String, List<String>> params) {
    JsonObject query = queryObject(params, true);
    PAGING.forEach(query::remove);
    return query;
  }

  private static JsonObject noParams(RoutingContext ctx) {
    for (String name : Responses.params(ctx).keySet()) {
      throw CodedException.badRequest(name, "unknown query parameter '" + name + "'");
    }
    return new JsonObject();
  }

  private void read(RoutingContext ctx, String scope, String address, JsonObject body) {
    read(ctx, scope, address, body, READ_TIMEOUT);
  }

  private void read(RoutingContext ctx, String scope, String address, JsonObject body, DeliveryOptions timeout) {
    Access.require(ctx, scope);
    Future<JsonObject> reply = bus.<JsonObject>request(address, body, timeout).map(m -> m.body());
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        Responses.json(ctx, 200, ar.result());
      } else {
        Responses.fail(ctx, ReplyFields.named(ar.cause(), body));
      }
    });
  }

  private static String time(String name, List<String> values) {
    if (values.size() != 1) {
      throw CodedException.badRequest(name, name + " may be given only once");
    }
    try {
      return Event.formatTime(Event.parseTime(values.get(0)));
    } catch (DateTimeException e) {
      throw CodedException.badRequest(name, name + ": " + e.getMessage());
    }
  }

  private static int integer(String name, List<String> values, int min, int max) {
    if (values.size() != 1) {
      throw CodedException.badRequest(name, name + " may be given only once");
    }
    try {
      long value = Long.parseLong(values.get(0).trim());
      if (value >= min && value <= max) {
        return (int) value;
      }
    } catch (NumberFormatException e) {
      // fall through to the 400 below
    }
    throw CodedException.badRequest(name, name + " must be an integer between " + min + " and " + max);
  }

}
