package org.eventcollector.stream;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.event.QueryParser;
import org.eventcollector.http.Access;
import org.eventcollector.http.Responses;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;

/** Entry points of the stream role for the HTTP verticle. */
public final class Stream {

  /** Paths served without an API key: the console's static files. */
  public static final List<String> PUBLIC_PREFIXES = List.of("/console/", "/webjars/");
  /** Paths where the API key may also come as {@code ?api_key=} (WebSocket and SockJS clients cannot always set headers). */
  public static final List<String> QUERY_KEY_PREFIXES = List.of("/events/stream", "/eventbus/");

  private Stream() {
  }

  /** True when {@code path} accepts {@code ?api_key=}. */
  public static boolean acceptsQueryKey(String path) {
    return path != null && QUERY_KEY_PREFIXES.stream().anyMatch(path::startsWith);
  }

  /** Mounts the WebSocket, SockJS bridge and console routes. */
  public static void mount(Vertx vertx, Router router, JsonObject config, Access access) {
    List<String> systems = Config.strings(config.getValue(ConfigKeys.SYSTEMS));
    QueryParser parser = new QueryParser(new HashSet<>(systems));
    int clientQueue = Math.max(1, Config.integer(config, ConfigKeys.Stream.CLIENT_QUEUE, 10_000));
    StreamHub hub = new StreamHub(vertx, Math.max(0, Config.number(config, ConfigKeys.Stream.REORDER_MS, 250)), clientQueue);
    StreamHandler stream = new StreamHandler(vertx, hub, parser, clientQueue,
      Math.max(0, Config.integer(config, ConfigKeys.Stream.MAX_REPLAY, 100_000)));
    // Ahead of every other route (GET /events/:event_id would take "stream"), so it authenticates for itself.
    router.get("/events/stream").order(-1)
      .handler(access.authenticate(PUBLIC_PREFIXES, true))
      .handler(stream);
    // The polling and streaming SockJS transports send their frames in POST bodies (xhr_send), which
    // the SockJS handler reads only through a BodyHandler; without one every fallback session is deaf.
    router.post("/eventbus/*").handler(BodyHandler.create(false)
      .setBodyLimit(Config.integer(config, ConfigKeys.Http.MAX_BATCH_BYTES, 16 * 1024 * 1024)));
    router.route("/eventbus/*").subRouter(Bridge.router(vertx, systems,
      Config.bool(config, ConfigKeys.Stream.INBOUND_INGEST, false)));
    Buffer index = resource("/console/index.html");
    router.get("/").handler(ctx -> Responses.text(ctx, 200, "text/html; charset=utf-8", index));
    // What the console needs to draw its filters; public like the console itself.
    Buffer consoleConfig = new JsonObject().put("systems", new io.vertx.core.json.JsonArray(systems)).toBuffer();
    router.get("/console/config.json").handler(ctx -> Responses.text(ctx, 200, Responses.JSON, consoleConfig));
    router.get("/console/*").handler(StaticHandler.create("console"));
    router.get("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
  }

  private static Buffer resource(String name) {
    try (InputStream in = Stream.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
