package org.eventcollector.alerts;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.event.QueryParser;

import java.util.HashSet;

/** Entry points of saved queries and alert rules for the HTTP verticle. */
public final class Alerts {

  private Alerts() {
  }

  /** Mounts {@code /queries} and {@code /alerts} (CONTRACT.md section 12) on {@code router}. */
  public static void mount(Vertx vertx, Router router, JsonObject config) {
    QueryParser parser = new QueryParser(new HashSet<>(Config.strings(config.getValue(ConfigKeys.SYSTEMS))));
    new AlertRoutes(vertx, new Specs(parser)).mount(router);
  }
}
