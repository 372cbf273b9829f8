package org.eventcollector.ingest;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /events/batch} as NDJSON ({@code application/x-ndjson}): one event per line, empty
 * lines skipped. A line that is not JSON fails alone, at its index among the non-empty lines.
 */
final class Ndjson {

  static final String TYPE = "application/x-ndjson";

  private Ndjson() {
  }

  static boolean is(RoutingContext ctx) {
    return Bodies.mediaType(ctx).equals(TYPE);
  }

  /** 415 unless the body is JSON or NDJSON in a supported coding; checked before the body is read. */
  static void requireJsonOrNdjson(RoutingContext ctx) {
    String base = Bodies.mediaType(ctx);
    if (!base.equals(TYPE) && !base.equals("application/json") && !(base.startsWith("application/") && base.endsWith("+json"))) {
      ctx.fail(new CodedException(415, "Content-Type must be application/json or " + TYPE, null));
      return;
    }
    Bodies.requireCoding(ctx, Bodies.HTTP_CODINGS);
    ctx.next();
  }

  /**
   * The lines as raw events, or as the {@link CodedException} of a line that is not JSON; 413 as
   * soon as there are more than {@code max}, before the rest is parsed.
   */
  static List<Object> items(Buffer body, int max) {
    String text = body.toString(StandardCharsets.UTF_8);
    List<Object> items = new ArrayList<>();
    int start = 0;
    while (start <= text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      String line = text.substring(start, end).strip();
      if (!line.isEmpty()) {
        if (items.size() == max) {
          throw new CodedException(Failure.TOO_LARGE, "batch holds more than " + max + " events", null);
        }
        try {
          items.add(Json.decodeValue(line));
        } catch (DecodeException | IllegalStateException e) {
          items.add(CodedException.badRequest(null, "line is not valid JSON"));
        }
      }
      start = end + 1;
    }
    return items;
  }
}
