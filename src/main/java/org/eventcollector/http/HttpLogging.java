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
    return Optional.of(LoggerHandler.create(LoggerFormat.CUSTOM).customFormatter((ctx, ms) -> line(ctx, ms)));
  }

  static String line(RoutingContext ctx, long ms) {
    var request = ctx.request();
    String client = request.remoteAddress() == null ? "-" : request.remoteAddress().host();
    return client + " \"" + request.method() + " " + API_KEY.matcher(request.uri()).replaceAll("$1***") + " "
      + request.version() + "\" " + ctx.response().getStatusCode() + " " + ctx.response().bytesWritten() + " " + ms + " ms";
  }
}
