package org.eventcollector.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.LoggerFormat;
import io.vertx.ext.web.handler.LoggerHandler;
import io.vertx.core.json.JsonObject;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;

import java.util.Optional;
import java.util.regex.Pattern;

/** The optional access log: vertx-web's {@link LoggerHandler}, one line per answered request. */
final class HttpLogging {

  /** {@code api_key} values never reach a log. */
  private static final Pattern API_KEY = Pattern.compile("(?i)(api_key=)[^&]*");

  private HttpLogging() {
  }

  static Optional<Handler<RoutingContext>> accessLog(JsonObject conf) {
    if (!Config.bool(conf, ConfigKeys.Http.ACCESS_LOG, false)) {
      return Optional.empty();
    }
    LoggerHandler logger = LoggerHandler.create(LoggerFormat.CUSTOM).customFormatter(HttpLogging::line);
    // A HEAD request passes the router twice (HttpEdges routes it again as GET): one line for it.
    return Optional.of(ctx -> {
      if (ctx.get(HttpEdges.REROUTED) != null) {
        ctx.next();
      } else {
        logger.handle(ctx);
      }
    });
  }

  static String line(RoutingContext ctx, long ms) {
    var request = ctx.request();
    String client = request.remoteAddress() == null ? "-" : request.remoteAddress().host();
    String version = switch (request.version()) {
      case HTTP_1_0 -> "HTTP/1.0";
      case HTTP_2 -> "HTTP/2";
      default -> "HTTP/1.1";
    };
    return client + " \"" + request.method() + " " + API_KEY.matcher(request.uri()).replaceAll("$1***") + " " + version + "\" "
      + ctx.response().getStatusCode() + " " + ctx.response().bytesWritten() + " " + ms + " ms";
  }
}
