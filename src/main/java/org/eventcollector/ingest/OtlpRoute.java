package org.eventcollector.ingest;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
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
 * {@code POST /v1/logs}: OTLP/HTTP logs (CONTRACT.md section 11). Answers as the OTLP/HTTP
 * specification says, in the request's encoding: 200 with an {@code ExportLogsServiceResponse}
 * (a partial success when records were rejected), errors as a {@code google.rpc.Status}.
 */
final class OtlpRoute {

  private static final Logger LOG = LoggerFactory.getLogger(OtlpRoute.class);
  static final String PATH = "/v1/logs";
  private static final String JSON_KEY = "ec.otlp.json";

  private final IngestService service;
  private final OtlpMapping mapping;
  private final int maxBytes;
  private final int maxRecords;

  OtlpRoute(IngestService service, OtlpMapping mapping, int maxBytes, int maxRecords) {
    this.service = service;
    this.mapping = mapping;
    this.maxBytes = maxBytes;
    this.maxRecords = maxRecords;
  }

  void mount(Router router) {
    // The headers are checked on their own route, before the body is read: 415 wins over 413.
    router.post(PATH).handler(this::checkHeaders).failureHandler(this::failure);
    router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(maxBytes)).handler(this::export);
  }

  /** Before the body is read: an unsupported type or coding is 415 whatever the size. */
  private void checkHeaders(RoutingContext ctx) {
    String type = Bodies.mediaType(ctx);
    if (type.equals(OtlpCodec.JSON)) {
      ctx.put(JSON_KEY, true);
    } else if (!type.equals(OtlpCodec.PROTOBUF)) {
      throw new CodedException(415, "Content-Type must be " + OtlpCodec.PROTOBUF + " or " + OtlpCodec.JSON, "Content-Type");
    }
    Bodies.requireCoding(ctx, Bodies.HTTP_CODINGS);
    ctx.next();
  }

  private void export(RoutingContext ctx) {
    Set<String> allowed = Access.ingestSystems(ctx);
    boolean json = json(ctx);
    ExportLogsServiceRequest request = OtlpCodec.decode(Bodies.decoded(ctx, maxBytes), json);
    int count = OtlpMapping.count(request);
    if (count > maxRecords) {
      throw new CodedException(Failure.TOO_LARGE, "request holds " + count + " log records, more than " + maxRecords, null);
    }
    if (count == 0) {
      answer(ctx, json, 0, "");
      return;
    }
    List<Object> items = mapping.events(request);
    service.ingestItems(items, allowed, Protocol.OTLP, false).onComplete(ar -> {
      if (ar.failed()) {
        failure(ctx, ar.cause());
        return;
      }
      IngestService.Outcome outcome = ar.result();
      if (outcome.accepted() == 0 && outcome.limited() > 0) {
        failure(ctx, new RateLimitedException(outcome.limitedSystem(), outcome.retryAfterMs()));
        return;
      }
      JsonArray errors = outcome.errors();
      String message = "";
      if (!errors.isEmpty()) {
        JsonObject first = errors.getJsonObject(0);
        message = errors.size() + " of " + count + " log records rejected; the first (record " + first.getInteger("index")
          + "): " + first.getString("error");
        LOG.info("OTLP export from {}: {}", ctx.request().remoteAddress(), message);
      }
      answer(ctx, json, errors.size(), message);
    });
  }

  private static boolean json(RoutingContext ctx) {
    return Boolean.TRUE.equals(ctx.get(JSON_KEY));
  }

  private static void answer(RoutingContext ctx, boolean json, long rejected, String message) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(200).putHeader("Content-Type", json ? OtlpCodec.JSON : OtlpCodec.PROTOBUF)
      .end(OtlpCodec.response(json, rejected, message));
  }

  private void failure(RoutingContext ctx) {
    Throwable failure = ProtocolRoutes.tooLarge(ctx);
    if (failure == null) {
      ctx.next();
      return;
    } else if (!(failure instanceof CodedException) && !(failure instanceof io.vertx.core.eventbus.ReplyException)) {
      // Not ours (the body could not be read, for one): the node's own handler knows those.
      ctx.next();
      return;
    }
    failure(ctx, failure);
  }

  /** Answers a failure as a {@code google.rpc.Status}; in JSON it also carries the contract's {@code error} and {@code field}. */
  private static void failure(RoutingContext ctx, Throwable failure) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    int status = Failure.codeOf(failure);
    String message = Failure.messageOf(failure);
    // Logged once, here where it is answered; a rate-limited client is told, not logged.
    if (status < 500 && status != Failure.RATE_LIMITED) {
      LOG.info("OTLP export from {} refused with {}: {}", ctx.request().remoteAddress(), status, message);
    }
    // A 415 came before the encoding was known; its answer is JSON like every other error of the node.
    boolean json = json(ctx) || !OtlpCodec.PROTOBUF.equals(Bodies.mediaType(ctx));
    if (failure instanceof Responses.Retryable retry) {
      ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, (retry.retryAfterMs() + 999) / 1000)));
    } else if (status == Failure.UNAVAILABLE) {
      ctx.response().putHeader("Retry-After", "1");
    }
    Buffer body;
    if (json) {
      JsonObject error = Responses.error(message, failure instanceof CodedException coded ? coded.field() : null);
      if (failure instanceof Responses.Retryable retry) {
        error.put("retry_after_ms", retry.retryAfterMs());
      }
      JsonObject rpc = new JsonObject(OtlpCodec.status(true, status, message));
      body = error.mergeIn(rpc).toBuffer();
    } else {
      body = OtlpCodec.status(false, status, message);
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", json ? OtlpCodec.JSON : OtlpCodec.PROTOBUF).end(body);
  }
}
