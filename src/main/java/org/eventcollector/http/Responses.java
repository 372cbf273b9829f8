package org.eventcollector.http;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes JSON answers and maps failures to the contract's {@code {"error", "field"}} bodies. */
public final class Responses {

  public static final String JSON = "application/json";

  private Responses() {
  }

  public static void json(RoutingContext ctx, int status, JsonObject body) {
    json(ctx.response(), status, body);
  }

  public static void json(HttpServerResponse response, int status, JsonObject body) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status).putHeader("Content-Type", JSON).end(body.toBuffer());
  }

  public static void text(RoutingContext ctx, int status, String contentType, Buffer body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", contentType).end(body);
  }

  public static JsonObject error(String message, String field) {
    return new JsonObject().put("error", message).put("field", field);
  }

  /** Answers {@code error}: its code and message when it carries one, 503 for bus timeouts. */
  public static void fail(RoutingContext ctx, Throwable error) {
    int status = Failure.codeOf(error);
    String field = error instanceof CodedException coded ? coded.field() : null;
    JsonObject body = error(Failure.messageOf(error), field);
    if (error instanceof Retryable retry) {
      long ms = retry.retryAfterMs();
      ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, (ms + 999) / 1000)));
      body.put("retry_after_ms", ms);
    } else if (status == Failure.UNAVAILABLE) {
      ctx.response().putHeader("Retry-After", "1");
    }
    json(ctx, status, body);
  }

  /**
   * A route handler that lets only JSON bodies through ({@code application/json} or
   * {@code application/*+json}), 415 otherwise. Mounted on its own route, before the body is read,
   * so that 415 wins over 413.
   */
  public static void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String base = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase();
    if (!base.equals("application/json") && !(base.startsWith("application/") && base.endsWith("+json"))) {
      ctx.fail(new CodedException(415, "Content-Type must be application/json", null));
      return;
    }
    ctx.next();
  }

  /** A failure that tells the client when to come back. */
  public interface Retryable {
    long retryAfterMs();
  }

  /**
   * Reads every query parameter, refusing undecodable ones with a 400. Only {@code &} separates
   * parameters: a {@code ;} is part of the value, as in a URL built by any current client.
   */
  public static Map<String, List<String>> params(RoutingContext ctx) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    try {
      QueryStringDecoder decoder = new QueryStringDecoder(ctx.request().uri(), StandardCharsets.UTF_8, true, 1024, true);
      decoder.parameters().forEach((name, values) -> params.computeIfAbsent(name, k -> new ArrayList<>()).addAll(values));
    } catch (IllegalArgumentException e) {
      throw CodedException.badRequest(null, "query string is not valid URL encoding");
    }
    return params;
  }
}
