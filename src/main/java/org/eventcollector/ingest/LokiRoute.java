package org.eventcollector.ingest;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.eventcollector.http.Access;
import org.eventcollector.http.Responses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;

/**
 * {@code POST /loki/api/v1/push}: the Loki push API (CONTRACT.md section 11), JSON or snappy
 * protobuf. A push is taken whole or not at all, as Loki's clients expect: 204 once every line is
 * committed; a 400 in plain text, storing nothing, when the body or one line is invalid; a 429 with
 * {@code Retry-After}, storing nothing, when the rate limit cannot take every line.
 */
final class LokiRoute {

  private static final Logger LOG = LoggerFactory.getLogger(LokiRoute.class);
  static final String PATH = "/loki/api/v1/push";
  private static final Set<String> CODINGS = Set.of("gzip", "x-gzip", "deflate", "snappy");
  private static final String TEXT = "text/plain; charset=utf-8";

  private final IngestService service;
  private final int maxBytes;
  private final int maxRecords;

  LokiRoute(IngestService service, int maxBytes, int maxRecords) {
    this.service = service;
    this.maxBytes = maxBytes;
    this.maxRecords = maxRecords;
  }

  void mount(Router router) {
    // The headers are checked on their own route, before the body is read: 415 wins over 413.
    router.post(PATH).handler(this::checkHeaders).failureHandler(this::failure);
    router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(maxBytes)).handler(this::push);
  }

  private void checkHeaders(RoutingContext ctx) {
    String type = Bodies.mediaType(ctx);
    // Loki reads a push without a Content-Type as protobuf, as Promtail sends it.
    if (!type.equals("application/json") && !type.equals("application/x-protobuf") && !type.isEmpty()) {
      throw new CodedException(415, "Content-Type must be application/json or application/x-protobuf", "Content-Type");
    }
    Bodies.requireCoding(ctx, CODINGS);
    ctx.next();
  }

  private void push(RoutingContext ctx) {
    Set<String> allowed = Access.ingestSystems(ctx);
    boolean json = Bodies.mediaType(ctx).equals("application/json");
    String coding = Bodies.coding(ctx);
    // Snappy is the protobuf body's own compression; a Content-Encoding: snappy only says so again.
    byte[] bytes = coding.equals("snappy") ? Bodies.raw(ctx) : Bodies.decoded(ctx, maxBytes).getBytes();
    if (!json || coding.equals("snappy")) {
      bytes = Bodies.unsnappy(bytes, maxBytes);
    }
    List<LokiPush.Stream> streams = json ? LokiPush.fromJson(Buffer.buffer(bytes)) : LokiPush.fromProtobuf(bytes);
    int count = LokiPush.count(streams);
    if (count > maxRecords) {
      throw new CodedException(Failure.TOO_LARGE, "push holds " + count + " lines, more than " + maxRecords, null);
    }
    if (count == 0) {
      ctx.response().setStatusCode(204).end();
      return;
    }
    service.ingestItems(LokiMapping.events(streams), allowed, Protocol.LOKI, true).onComplete(ar -> {
      if (ar.failed()) {
        failure(ctx, ar.cause());
        return;
      }
      IngestService.Outcome outcome = ar.result();
      if (outcome.limited() > 0) {
        failure(ctx, new RateLimitedException(outcome.limitedSystem(), outcome.retryAfterMs()));
      } else if (!outcome.errors().isEmpty()) {
        JsonObject first = outcome.errors().getJsonObject(0);
        failure(ctx, CodedException.badRequest(first.getString("field"), "line " + first.getInteger("index") + " of "
          + count + " is invalid, nothing of this push was stored: " + first.getString("error")));
      } else if (!ctx.response().ended() && !ctx.response().closed()) {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  private void failure(RoutingContext ctx) {
    Throwable failure = ProtocolRoutes.tooLarge(ctx);
    if (failure instanceof CodedException || failure instanceof io.vertx.core.eventbus.ReplyException) {
      failure(ctx, failure);
    } else {
      ctx.next();
    }
  }

  /** Loki answers errors in plain text. */
  private static void failure(RoutingContext ctx, Throwable failure) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    int status = Failure.codeOf(failure);
    String message = Failure.messageOf(failure);
    // Logged once, here where it is answered; a rate-limited client is told, not logged.
    if (status < 500 && status != Failure.RATE_LIMITED) {
      LOG.info("Loki push from {} refused with {}: {}", ctx.request().remoteAddress(), status, message);
    }
    if (failure instanceof Responses.Retryable retry) {
      ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, (retry.retryAfterMs() + 999) / 1000)));
    } else if (status == Failure.UNAVAILABLE) {
      ctx.response().putHeader("Retry-After", "1");
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", TEXT).end(message + "\n");
  }
}
