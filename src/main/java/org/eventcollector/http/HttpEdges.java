package org.eventcollector.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Set;

/**
 * What every route shares at the edge: {@code HEAD} wherever {@code GET} is served, {@code OPTIONS}
 * answered with the path's methods, and CORS for the origins of {@code http.cors_origins}.
 */
final class HttpEdges implements Handler<RoutingContext> {

  private static final String ALLOWED_HEADERS = "Authorization, Content-Type, Content-Encoding";
  private static final String EXPOSED_HEADERS = "Retry-After, Allow";

  private final Set<String> origins;

  HttpEdges(List<String> origins) {
    this.origins = Set.copyOf(origins);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    String origin = request.getHeader("Origin");
    boolean cors = origin != null && (origins.contains(origin) || origins.contains("*"));
    if (cors) {
      response.putHeader("Access-Control-Allow-Origin", origins.contains("*") ? "*" : origin)
        .putHeader("Vary", "Origin")
        .putHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    }
    if (request.method() == HttpMethod.OPTIONS) {
      String path = ctx.normalizedPath();
      String allow = Routes.allowed(path);
      response.putHeader("Allow", allow);
      if (cors && request.getHeader("Access-Control-Request-Method") != null) {
        response.putHeader("Access-Control-Allow-Methods", allow)
          .putHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS)
          .putHeader("Access-Control-Max-Age", "600");
      }
      response.setStatusCode(204).end();
      return;
    }
    if (request.method() == HttpMethod.HEAD && !ctx.get(REROUTED, false)) {
      // The server drops the body of an answer to HEAD; the GET route computes the headers.
      ctx.put(REROUTED, true);
      ctx.reroute(HttpMethod.GET, request.uri());
      return;
    }
    ctx.next();
  }

  /** Set on a HEAD request once it has been routed again as GET. */
  static final String REROUTED = "http.head.rerouted";
}
