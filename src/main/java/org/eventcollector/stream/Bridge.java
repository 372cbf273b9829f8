package org.eventcollector.stream;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.http.Access;
import org.eventcollector.metrics.CollectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The SockJS event-bus bridge at {@code /eventbus/*} (CONTRACT.md section 6): outbound
 * {@code events.stream}, {@code events.stream.<source_system>} and {@code events.alerts}; inbound nothing, or
 * {@code events.ingest} by request when {@code stream.bridge.inbound_ingest} is on (then, with auth
 * on, only for a key holding scope {@code ingest} and the event's systems).
 */
final class Bridge implements Handler<BridgeEvent> {

  private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);

  private final boolean inboundIngest;
  private final Set<String> open = new HashSet<>();

  private Bridge(boolean inboundIngest) {
    this.inboundIngest = inboundIngest;
  }

  /** The bridge's sub-router, to mount at {@code /eventbus/*}. */
  static Router router(Vertx vertx, List<String> systems, boolean inboundIngest) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
      .addOutboundPermitted(new PermittedOptions().setAddress(Addresses.STREAM))
      .addOutboundPermitted(new PermittedOptions().setAddress(Addresses.ALERTS));
    for (String system : systems) {
      options.addOutboundPermitted(new PermittedOptions().setAddress(Addresses.streamOf(system)));
    }
    if (inboundIngest) {
      options.addInboundPermitted(new PermittedOptions().setAddress(Addresses.INGEST));
    }
    return SockJSHandler.create(vertx).bridge(options, new Bridge(inboundIngest));
  }

  @Override
  public void handle(BridgeEvent event) {
    switch (event.type()) {
      case SOCKET_CREATED -> {
        if (!allowed(event.socket().routingContext(), Access.READ, null)) {
          event.complete(false);
          return;
        }
        open.add(event.socket().writeHandlerID());
        CollectorMetrics.get().sockjsClients().incrementAndGet();
        event.complete(true);
      }
      case SOCKET_CLOSED -> {
        if (open.remove(event.socket().writeHandlerID())) {
          CollectorMetrics.get().sockjsClients().decrementAndGet();
        }
        event.complete(true);
      }
      // Ingest is request/reply: a publish would be taken once per ingest instance.
      case PUBLISH -> event.complete(false);
      // The inbound permits refuse every other address ("access_denied"); here only the key is checked.
      case SEND -> event.complete(!inboundIngest || !Addresses.INGEST.equals(address(event))
        || allowed(event.socket().routingContext(), Access.INGEST, event.getRawMessage().getValue("body")));
      default -> event.complete(true);
    }
  }

  private static String address(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    return raw == null ? null : raw.getString("address");
  }

  /** With auth on, whether the session's key holds {@code scope} and, for ingest, every system of {@code body}. */
  private static boolean allowed(RoutingContext ctx, String scope, Object body) {
    if (ctx == null) {
      return true;
    }
    try {
      if (!Access.INGEST.equals(scope)) {
        Access.require(ctx, scope);
        return true;
      }
      Set<String> systems = Access.ingestSystems(ctx);
      if (systems == null) {
        return true;
      }
      for (Object item : body instanceof JsonArray array ? array : new JsonArray().add(body)) {
        if (!(item instanceof JsonObject json) || !systems.contains(json.getString("source_system"))) {
          return false;
        }
      }
      return true;
    } catch (CodedException | ClassCastException e) {
      LOG.debug("Bridge refused: {}", e.getMessage());
      return false;
    }
  }
}
