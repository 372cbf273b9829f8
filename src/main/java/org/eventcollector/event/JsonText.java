package org.eventcollector.event;

import io.vertx.core.json.EncodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * Writes JSON text straight into a {@link StringBuilder}: the values an event holds (objects,
 * arrays, strings, numbers, booleans, null) without a generator per call. Anything else goes
 * through Vert.x's own encoder, so the text is what {@code JsonObject.encode()} would give.
 */
final class JsonText {

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  /** Deepest nesting written, as Jackson's default write constraint. */
  static final int MAX_DEPTH = 1000;

  private JsonText() {
  }

  static void value(StringBuilder out, Object value) {
    value(out, value, 0);
  }

  private static void value(StringBuilder out, Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new EncodeException("nested deeper than " + MAX_DEPTH + " levels");
    }
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      string(out, s);
    } else if (value instanceof JsonObject object) {
      object(out, object.getMap(), depth);
    } else if (value instanceof JsonArray array) {
      array(out, array.getList(), depth);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
      || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Double d && Double.isFinite(d)) {
      out.append(d.doubleValue());
    } else if (value instanceof Map<?, ?> map) {
      object(out, map, depth);
    } else if (value instanceof List<?> list) {
      array(out, list, depth);
    } else {
      out.append(Json.encode(value));
    }
  }

  static void object(StringBuilder out, Map<?, ?> map) {
    object(out, map, 0);
  }

  private static void object(StringBuilder out, Map<?, ?> map, int depth) {
    out.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      string(out, String.valueOf(entry.getKey()));
      out.append(':');
      value(out, entry.getValue(), depth + 1);
    }
    out.append('}');
  }

  static void array(StringBuilder out, List<?> list) {
    array(out, list, 0);
  }

  private static void array(StringBuilder out, List<?> list, int depth) {
    out.append('[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      value(out, list.get(i), depth + 1);
    }
    out.append(']');
  }

  /** A JSON string, or {@code null}: quotes, backslashes and control characters escaped. */
  static void string(StringBuilder out, String value) {
    if (value == null) {
      out.append("null");
      return;
    }
    out.append('"');
    int length = value.length();
    int plain = 0;
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      out.append(value, plain, i);
      plain = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    out.append(value, plain, length).append('"');
  }

  /**
   * An upper bound of the UTF-8 bytes {@link #value} writes for {@code value}, found without writing
   * it: a character takes at most 6 bytes (an escape), a number at most 26.
   */
  static long sizeBound(Object value) {
    return sizeBound(value, 0);
  }

  private static long sizeBound(Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new EncodeException("nested deeper than " + MAX_DEPTH + " levels");
    }
    if (value == null) {
      return 4;
    } else if (value instanceof String s) {
      return 2 + 6L * s.length();
    } else if (value instanceof JsonObject object) {
      return sizeBound(object.getMap(), depth);
    } else if (value instanceof JsonArray array) {
      return sizeBound(array.getList(), depth);
    } else if (value instanceof Number || value instanceof Boolean) {
      return 26;
    } else if (value instanceof Map<?, ?> map) {
      long size = 2;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        size += sizeBound(String.valueOf(entry.getKey()), depth) + 2 + sizeBound(entry.getValue(), depth + 1);
      }
      return size;
    } else if (value instanceof List<?> list) {
      long size = 2;
      for (Object item : list) {
        size += 1 + sizeBound(item, depth + 1);
      }
      return size;
    }
    // Rare kinds (bytes, instants): their text is the bound.
    return 6L * Json.encode(value).length();
  }
}
