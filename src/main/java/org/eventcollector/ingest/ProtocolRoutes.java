package org.eventcollector.ingest;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;

import java.util.HashSet;

/** The open ingest protocols of CONTRACT.md section 11: OTLP/HTTP logs and the Loki push API. */
final class ProtocolRoutes {

  private ProtocolRoutes() {
  }

  static void mount(Router router, IngestService service, JsonObject config) {
    int maxBytes = Config.integer(config, ConfigKeys.Http.MAX_BATCH_BYTES, 16 * 1024 * 1024);
    int maxRecords = Config.integer(config, ConfigKeys.Ingest.MAX_RECORDS, 20_000);
    OtlpMapping otlp = new OtlpMapping(Config.string(config, ConfigKeys.Ingest.OTLP_SYSTEM_ATTRIBUTE, "service.name"),
      new HashSet<>(Config.strings(config.getValue(ConfigKeys.SYSTEMS))));
    new OtlpRoute(service, otlp, maxBytes, maxRecords).mount(router);
    new LokiRoute(service, maxBytes, maxRecords).mount(router);
  }

  /** The failure of {@code ctx}, with the body handler's 413 (a bare status) as a {@link CodedException}. */
  static Throwable tooLarge(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = failure instanceof HttpException http ? http.getStatusCode() : failure == null ? ctx.statusCode() : -1;
    if (status == Failure.TOO_LARGE) {
      return new CodedException(Failure.TOO_LARGE, "request body is too large", null);
    }
    return failure;
  }
}
