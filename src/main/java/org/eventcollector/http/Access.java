package org.eventcollector.http;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * API keys (CONTRACT.md section 8): keys are known only by their SHA-256; each has scopes and the
 * systems it may ingest for. With no key file, everything is open.
 */
public final class Access {

  public static final String INGEST = "ingest";
  public static final String READ = "read";
  public static final String ADMIN = "admin";

  private static final String PRINCIPAL = "ec.principal";

  /** What a key may do. */
  public record Principal(Set<String> systems, Set<String> scopes) {
  }

  private final Map<String, Principal> keys;

  private Access(Map<String, Principal> keys) {
    this.keys = keys;
  }

  /** No auth: every request is allowed. */
  public static Access open() {
    return new Access(null);
  }

  public boolean enabled() {
    return keys != null;
  }

  /** Every scope a key may hold. */
  public static final Set<String> SCOPES = Set.of(INGEST, READ, ADMIN);

  /**
   * Loads the key file: a JSON array of {@code {key_sha256, systems, scopes}}. A malformed file or
   * entry (bad hash, unknown scope, systems not strings) is refused as a whole, so a typo never
   * silently locks anyone out or lets anyone in.
   */
  public static Access load(Path file) {
    try {
      JsonArray entries = new JsonArray(Files.readString(file));
      Map<String, Principal> keys = new HashMap<>();
      for (int i = 0; i < entries.size(); i++) {
        if (!(entries.getValue(i) instanceof JsonObject entry)) {
          throw new IllegalArgumentException("entry " + i + " is not an object");
        }
        String hash = entry.getValue("key_sha256") instanceof String s ? s : null;
        if (hash == null || !hash.matches("[0-9a-fA-F]{64}")) {
          throw new IllegalArgumentException("entry " + i + ": key_sha256 must be 64 hex digits");
        }
        Set<String> scopes = strings(entry, "scopes", i);
        for (String scope : scopes) {
          if (!SCOPES.contains(scope)) {
            throw new IllegalArgumentException("entry " + i + ": unknown scope '" + scope + "' (ingest, read, admin)");
          }
        }
        keys.put(hash.toLowerCase(Locale.ROOT), new Principal(strings(entry, "systems", i), scopes));
      }
      return new Access(keys);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read API keys file " + file + ": " + e.getMessage(), e);
    }
  }

  private static Set<String> strings(JsonObject entry, String field, int index) {
    Object value = entry.getValue(field);
    if (value == null) {
      return Set.of();
    }
    if (!(value instanceof JsonArray array) || !array.stream().allMatch(String.class::isInstance)) {
      throw new IllegalArgumentException("entry " + index + ": " + field + " must be an array of strings");
    }
    return Set.copyOf(array.stream().map(String.class::cast).toList());
  }

  /** The principal of {@code key}, or null. */
  public Principal lookup(String key) {
    return key == null || key.isEmpty() ? null : keys.get(sha256(key));
  }

  public static String sha256(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A router handler that authenticates every request but the public ones ({@code /}, static
   * files, {@code /health}, {@code /openapi.json}); 401 without a valid key. A path or query string
   * that is not valid URL encoding is a 400, with or without auth, before any route sees it.
   */
  public Handler<RoutingContext> authenticate(List<String> publicPrefixes, boolean queryKeyAllowed) {
    return ctx -> {
      String path;
      try {
        path = ctx.normalizedPath();
      } catch (IllegalArgumentException e) {
        ctx.fail(CodedException.badRequest(null, "path is not valid URL encoding"));
        return;
      }
      try {
        // Decoded here once, so that no route (path parameters decode it too) meets a bad one first.
        ctx.request().params();
      } catch (IllegalArgumentException e) {
        ctx.fail(CodedException.badRequest(null, "query string is not valid URL encoding"));
        return;
      }
      if (keys == null || isPublic(path, publicPrefixes)) {
        ctx.next();
        return;
      }
      String key = bearer(ctx.request().getHeader("Authorization"));
      if (key == null && (queryKeyAllowed || takesQueryKey(path))) {
        try {
          key = ctx.request().getParam("api_key");
        } catch (IllegalArgumentException e) {
          key = null; // an undecodable query string holds no usable key
        }
      }
      Principal principal = lookup(key);
      if (principal == null) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        ctx.fail(new CodedException(Failure.UNAUTHORIZED, key == null || key.isEmpty() ? "API key required" : "invalid API key", null));
        return;
      }
      ctx.put(PRINCIPAL, principal);
      ctx.next();
    };
  }

  /** WebSocket and SockJS clients cannot always set headers: {@code ?api_key=} is accepted there (section 8). */
  static boolean takesQueryKey(String path) {
    return path.equals("/events/stream") || path.equals("/eventbus") || path.startsWith("/eventbus/");
  }

  private static boolean isPublic(String path, List<String> prefixes) {
    if (path.equals("/") || path.equals("/health") || path.equals("/openapi.json")) {
      return true;
    }
    return prefixes.stream().anyMatch(path::startsWith);
  }

  static String bearer(String header) {
    if (header == null) {
      return null;
    }
    String trimmed = header.trim();
    return trimmed.regionMatches(true, 0, "Bearer ", 0, 7) ? trimmed.substring(7).trim() : null;
  }

  /** Throws a 403 unless the request's key (if auth is on) holds {@code scope}. */
  public static void require(RoutingContext ctx, String scope) {
    Principal principal = ctx.get(PRINCIPAL);
    if (principal != null && !principal.scopes().contains(scope)) {
      throw new CodedException(Failure.FORBIDDEN, "this API key lacks scope '" + scope + "'", null);
    }
  }

  /** The systems the request's key may ingest for (after checking scope {@code ingest}), or null for any. */
  public static Set<String> ingestSystems(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    if (principal == null) {
      return null;
    }
    require(ctx, INGEST);
    return principal.systems();
  }
}
