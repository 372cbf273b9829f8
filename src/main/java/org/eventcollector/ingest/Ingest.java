package org.eventcollector.ingest;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.event.EventValidator;

import java.util.HashSet;

/** Entry points of the ingest role for the HTTP verticle. */
public final class Ingest {

  private Ingest() {
  }

  static IngestService service(Vertx vertx, JsonObject config) {
    EventValidator validator = new EventValidator(new HashSet<>(Config.strings(config.getValue(ConfigKeys.SYSTEMS))),
      Config.integer(config, ConfigKeys.Http.MAX_EVENT_BYTES, 65536));
    // A write in flight to a storage node that leaves the cluster would only time out: it is sent again,
    // to another PostgreSQL writer or to the standby that takes over a single-owner store (fast 503 until then).
    boolean retryOnMemberLoss = true;
    return new IngestService(vertx, validator, Config.integer(config, ConfigKeys.Http.MAX_BATCH_EVENTS, 1000),
      retryOnMemberLoss);
  }

  /** Mounts the REST routes of section 3 and the open ingest protocols of section 11 on {@code router}. */
  public static void mount(Vertx vertx, Router router, JsonObject config) {
    IngestService service = service(vertx, config);
    new RestRoutes(vertx, service, config).mount(router);
    ProtocolRoutes.mount(router, service, config);
  }
}
