package org.eventcollector.stream;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.eventcollector.event.QueryParser;
import org.eventcollector.event.SavedParams;
import org.eventcollector.http.Access;
import org.eventcollector.http.Responses;
import org.eventcollector.metrics.CollectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /events/stream}: validates the filter, the key and the resume point while the
 * request is still plain HTTP (400, 401, 403, 404 are answered before the WebSocket opens), then
 * upgrades and hands the socket to its {@link StreamClient}.
 */
final class StreamHandler implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(StreamHandler.class);

  private final Vertx vertx;
  private final StreamHub hub;
  private final QueryParser parser;
  private final int clientQueue;
  private final int maxReplay;

  StreamHandler(Vertx vertx, StreamHub hub, QueryParser parser, int clientQueue, int maxReplay) {
    this.vertx = vertx;
    this.hub = hub;
    this.parser = parser;
    this.clientQueue = clientQueue;
    this.maxReplay = maxReplay;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (!request.canUpgradeToWebSocket()) {
      Responses.json(ctx, 400, Responses.error("GET /events/stream is a WebSocket endpoint: send an upgrade request", null));
      return;
    }
    Access.require(ctx, Access.READ);
    Map<String, List<String>> params = Responses.params(ctx);
    if (!params.containsKey(SavedParams.PARAM)) {
      open(ctx, params);
      return;
    }
    // A saved query holding only stream filters (section 12), looked up before the upgrade.
    request.pause();
    SavedParams.apply(vertx.eventBus(), params, StreamFilter.FILTERS).onComplete(ar -> {
      try {
        if (ar.failed()) {
          throw ar.cause();
        }
        open(ctx, ar.result());
      } catch (Throwable e) {
        Responses.fail(ctx, e);
      }
    });
  }

  private void open(RoutingContext ctx, Map<String, List<String>> params) {
    HttpServerRequest request = ctx.request();
    StreamFilter filter = StreamFilter.parse(params, parser);
    StreamClient client = new StreamClient(filter, clientQueue, filter.after() != null);
    // Live events are buffered from here on, so that the replay and the live tail meet without a gap.
    hub.add(client);
    if (filter.after() == null) {
      upgrade(ctx, client, List.of(), -1);
      return;
    }
    request.pause();
    JsonObject body = new JsonObject().put("after", filter.after()).put("query", filter.busQuery()).put("max", maxReplay);
    vertx.eventBus().<JsonObject>request(Addresses.STORAGE_REPLAY, body, new DeliveryOptions().setSendTimeout(60_000))
      .onComplete(ar -> {
        if (ar.failed()) {
          hub.remove(client);
          Responses.fail(ctx, ar.cause());
          return;
        }
        JsonArray events = ar.result().body().getJsonArray("events", new JsonArray());
        if (events.size() > maxReplay) {
          hub.remove(client);
          Responses.fail(ctx, new CodedException(Failure.BAD_REQUEST,
            "more than stream.max_replay (" + maxReplay + ") events to replay after '" + filter.after() + "'", StreamFilter.AFTER));
          return;
        }
        List<String> replay = new ArrayList<>(events.size());
        // Live events up to the resume point itself are behind the client too.
        Long afterSeq = ar.result().body().getLong("after_seq");
        long lastSeq = afterSeq == null ? -1 : afterSeq;
        for (Object item : events) {
          JsonObject event = (JsonObject) item;
          Object seq = event.remove("_seq");
          if (seq instanceof Number number) {
            lastSeq = Math.max(lastSeq, number.longValue());
          }
          replay.add(event.encode());
        }
        upgrade(ctx, client, replay, lastSeq);
      });
  }

  private void upgrade(RoutingContext ctx, StreamClient client, List<String> replay, long lastSeq) {
    Future<ServerWebSocket> upgraded = ctx.request().toWebSocket();
    upgraded.onSuccess(socket -> {
      CollectorMetrics.get().streamClients().incrementAndGet();
      socket.closeHandler(v -> {
        CollectorMetrics.get().streamClients().decrementAndGet();
        hub.remove(client);
        if (client.droppedTotal() > 0) {
          // The address only: the request URI may hold an api_key.
          LOG.info("Stream client {} closed after {} events sent and {} dropped for reading too slowly",
            socket.remoteAddress(), client.sent(), client.droppedTotal());
        }
      });
      socket.exceptionHandler(e -> LOG.debug("Stream client error: {}", e.toString()));
      client.open(socket, replay, lastSeq, () -> hub.wake(client));
    }).onFailure(e -> {
      hub.remove(client);
      LOG.debug("WebSocket upgrade failed: {}", e.toString());
    });
  }
}
