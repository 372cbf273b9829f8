package org.eventcollector.stream;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.eventcollector.http.Access;

import java.util.List;

/** Entry points of the stream role for the HTTP verticle. */
public final class Stream {

  /** Paths served without an API key: the console's static files. */
  public static final List<String> PUBLIC_PREFIXES = List.of("/console/", "/webjars/");

  private Stream() {
  }

  /** Mounts the WebSocket, SockJS bridge and console routes. */
  public static void mount(Vertx vertx, Router router, JsonObject config, Access access) {
  }
}
