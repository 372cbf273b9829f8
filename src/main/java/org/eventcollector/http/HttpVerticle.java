package org.eventcollector.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.eventcollector.alerts.Alerts;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.ingest.Ingest;
import org.eventcollector.metrics.CollectorMetrics;
import org.eventcollector.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The HTTP server of a node: {@code /health}, {@code /metrics} and {@code /openapi.json} always;
 * the REST routes with role {@code ingest}; WebSocket, SockJS and the console with role {@code stream}.
 */
public class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  /** Config key set by the main verticle: the roles of this node. */
  public static final int MAX_LINE = 16 * 1024;

  private HttpServer server;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    List<String> roles = Config.strings(conf.getValue(ConfigKeys.ROLES));
    String keysFile = Config.string(conf, ConfigKeys.Auth.API_KEYS_FILE, "");
    Access access = keysFile.isBlank() ? Access.open() : Access.load(Path.of(keysFile));
    Router router = Router.router(vertx);
    HttpLogging.accessLog(conf).ifPresent(router.route()::handler);
    router.route().handler(new HttpEdges(Config.strings(Config.get(conf, ConfigKeys.Http.CORS_ORIGINS))));
    io.vertx.core.Handler<RoutingContext> headerKey = access.authenticate(Stream.PUBLIC_PREFIXES, false);
    io.vertx.core.Handler<RoutingContext> queryKey = access.authenticate(Stream.PUBLIC_PREFIXES, true);
    router.route().handler(ctx -> (Stream.acceptsQueryKey(ctx.normalizedPath()) ? queryKey : headerKey).handle(ctx));
    Health health = new Health(vertx, conf);
    router.get("/health").handler(health::handle);
    router.get("/metrics").handler(ctx -> {
      Access.require(ctx, Access.READ);
      Responses.text(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", Buffer.buffer(CollectorMetrics.get().scrape()));
    });
    Buffer openapi = resource("/openapi.json");
    router.get("/openapi.json").handler(ctx -> Responses.text(ctx, 200, Responses.JSON, openapi));
    if (roles.contains("ingest")) {
      Ingest.mount(vertx, router, conf);
      Alerts.mount(vertx, router, conf);
    }
    if (roles.contains("stream")) {
      Stream.mount(vertx, router, conf, access);
    }
    router.route().failureHandler(this::failure);
    // A path the router cannot even decode never reaches a route or failure handler.
    router.errorHandler(400, ctx -> Responses.json(ctx, 400, Responses.error(ctx.failure() instanceof CodedException coded
      ? coded.getMessage() : "malformed request path", null)));
    router.errorHandler(404, ctx -> Responses.json(ctx, 404, Responses.error("not found: " + ctx.request().path(), null)));
    router.errorHandler(405, ctx -> {
      ctx.response().putHeader("Allow", Routes.allowed(ctx.request().path()));
      Responses.json(ctx, 405, Responses.error("method " + ctx.request().method() + " not allowed on " + ctx.request().path(), null));
    });
    HttpServerOptions options = new HttpServerOptions()
      .setHost(Config.string(conf, ConfigKeys.Http.HOST, "127.0.0.1"))
      .setPort(Config.integer(conf, ConfigKeys.Http.PORT, 8000))
      .setMaxInitialLineLength(MAX_LINE + 64)
      .setMaxHeaderSize(MAX_LINE + 64)
      .setCompressionSupported(true)
      .setTcpNoDelay(true);
    // A compressed WebSocket frame is deflated once per client: with many stream clients that is
    // most of the fan-out's cost, so clients get plain frames unless the configuration allows it.
    boolean wsCompression = Config.bool(conf, ConfigKeys.Stream.COMPRESSION, false);
    options.setPerMessageWebSocketCompressionSupported(wsCompression).setPerFrameWebSocketCompressionSupported(wsCompression);
    server = vertx.createHttpServer(options)
      .invalidRequestHandler(HttpVerticle::invalid)
      .requestHandler(router);
    health.register();
    return server.listen().recover(e -> Future.failedFuture(new IllegalStateException("cannot listen for HTTP on "
      + options.getHost() + ":" + options.getPort() + ": " + e.getMessage(), e)));
  }

  /** The port the server listens on. */
  public int actualPort() {
    return server.actualPort();
  }

  private void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof CodedException || failure instanceof io.vertx.core.eventbus.ReplyException) {
      Responses.fail(ctx, failure);
      return;
    }
    int status = ctx.statusCode();
    if (failure instanceof HttpException http) {
      status = http.getStatusCode();
    }
    if (status < 400 && unreadableBody(ctx, failure)) {
      // The client's fault, and the connection cannot be reused.
      ctx.response().putHeader("Connection", "close");
      Responses.json(ctx, Failure.BAD_REQUEST, Responses.error("malformed request body", null));
      return;
    }
    if (status == 413) {
      Responses.json(ctx, 413, Responses.error("request body is too large", null));
    } else if (status >= 400 && status < 500) {
      Responses.json(ctx, status, Responses.error(failure == null || failure.getMessage() == null
        ? "bad request" : failure.getMessage(), null));
    } else {
      LOG.error("Unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), failure);
      Responses.json(ctx, Failure.INTERNAL, Responses.error("internal error", null));
    }
  }

  /** The body could not be read: the HTTP decoder refused it (broken chunked framing) or the client went away. */
  private static boolean unreadableBody(RoutingContext ctx, Throwable failure) {
    if (failure == null || ctx.request().isEnded()) {
      return false;
    }
    StackTraceElement[] stack = failure.getStackTrace();
    return failure instanceof io.netty.handler.codec.DecoderException
      || failure instanceof io.vertx.core.http.HttpClosedException
      || ctx.response().closed()
      || stack.length > 0 && stack[0].getClassName().startsWith("io.netty.handler.codec.");
  }

  /** Requests the HTTP decoder refused: JSON bodies for 414 and 431 like every other error. */
  private static void invalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    String message = cause == null ? "" : String.valueOf(cause.getMessage());
    int status = 400;
    String text = "malformed HTTP request";
    if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
      if (message.contains("header")) {
        status = 431;
        text = "request headers are too large";
      } else {
        status = 414;
        text = "request line is too long";
      }
    }
    request.response().setStatusCode(status).putHeader("Content-Type", Responses.JSON)
      .putHeader("Connection", "close")
      .end(Responses.error(text, null).toBuffer());
  }

  private static Buffer resource(String name) {
    try (InputStream in = HttpVerticle.class.getResourceAsStream(name)) {
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
