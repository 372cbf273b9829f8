package org.eventcollector.event;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;

import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Turns a raw JSON event into an {@link Event}: every rule of CONTRACT.md section 2 and 10, with
 * messages that name the field, and the defaults filled. Ingest stamps {@code event_id} and
 * {@code timestamp} here, once.
 */
public final class EventValidator {

  private static final Set<String> KNOWN = Set.copyOf(Fields.ALL);
  private static final Set<String> RESERVED_IDS = Set.of("batch", "count", "stats", "stream", "correlation");
  private static final int MAX_ID = 64;
  private static final int MAX_TYPE = 128;
  private static final int MAX_TITLE = 1024;
  private static final int MAX_DESCRIPTION_BYTES = 16 * 1024;
  private static final int MAX_REF = 128;
  private static final int MAX_TAGS = 32;
  private static final int MAX_TAG = 64;

  private final Set<String> systems;
  private final int maxEventBytes;

  public EventValidator(Set<String> systems, int maxEventBytes) {
    this.systems = Set.copyOf(systems);
    this.maxEventBytes = maxEventBytes;
  }

  public Set<String> systems() {
    return systems;
  }

  /** Validates {@code raw}; throws a {@link CodedException} (400, or 413 when too large). */
  public Event validate(Object raw, long now) {
    if (!(raw instanceof JsonObject json)) {
      throw CodedException.badRequest(null, "event must be a JSON object");
    }
    for (String field : json.getMap().keySet()) {
      if (!KNOWN.contains(field)) {
        throw CodedException.badRequest(field, "unknown field '" + abbreviate(field) + "'");
      }
    }
    String id = optionalString(json, Fields.EVENT_ID);
    if (id == null) {
      id = UUID.randomUUID().toString();
    } else {
      checkToken(Fields.EVENT_ID, id, MAX_ID);
      if (RESERVED_IDS.contains(id)) {
        throw CodedException.badRequest(Fields.EVENT_ID, "event_id may not be '" + id + "'");
      }
    }
    long timestamp = now;
    String time = optionalString(json, Fields.TIMESTAMP);
    if (time != null) {
      try {
        timestamp = Event.parseTime(time);
      } catch (DateTimeException e) {
        throw CodedException.badRequest(Fields.TIMESTAMP, "timestamp: " + e.getMessage());
      }
    }
    String system = optionalString(json, Fields.SOURCE_SYSTEM);
    if (system == null) {
      throw CodedException.badRequest(Fields.SOURCE_SYSTEM, "source_system is required");
    }
    if (!systems.contains(system)) {
      throw CodedException.badRequest(Fields.SOURCE_SYSTEM, "unknown source_system '" + abbreviate(system) + "'");
    }
    String type = optionalString(json, Fields.EVENT_TYPE);
    if (type == null) {
      throw CodedException.badRequest(Fields.EVENT_TYPE, "event_type is required");
    }
    checkToken(Fields.EVENT_TYPE, type, MAX_TYPE);
    Severity severity = Severity.INFO;
    String level = optionalString(json, Fields.SEVERITY);
    if (level != null) {
      severity = Severity.parse(level);
      if (severity == null) {
        throw CodedException.badRequest(Fields.SEVERITY,
          "severity must be one of debug, info, warning, error, critical");
      }
    }
    String title = optionalString(json, Fields.TITLE);
    title = title == null ? "" : title;
    if (title.codePointCount(0, title.length()) > MAX_TITLE) {
      throw CodedException.badRequest(Fields.TITLE, "title is longer than " + MAX_TITLE + " characters");
    }
    String description = optionalString(json, Fields.DESCRIPTION);
    description = description == null ? "" : description;
    if (description.length() > MAX_DESCRIPTION_BYTES / 3
      && Text.utf8Length(description) > MAX_DESCRIPTION_BYTES) {
      throw CodedException.badRequest(Fields.DESCRIPTION, "description is longer than 16 KiB");
    }
    String correlation = optionalString(json, Fields.CORRELATION_ID);
    checkLength(Fields.CORRELATION_ID, correlation, MAX_REF);
    String component = optionalString(json, Fields.SOURCE_COMPONENT);
    checkLength(Fields.SOURCE_COMPONENT, component, MAX_REF);
    if (component != null && component.indexOf(',') >= 0) {
      throw CodedException.badRequest(Fields.SOURCE_COMPONENT, "source_component may not contain a comma");
    }
    Long duration = optionalDuration(json.getValue(Fields.DURATION_MS));
    JsonObject data = optionalObject(json, Fields.DATA);
    JsonObject metadata = optionalObject(json, Fields.METADATA);
    List<String> tags = tags(json.getValue(Fields.TAGS));
    Event event = new Event(id, timestamp, system, type, severity, title, description, correlation, component,
      duration, data, tags, metadata);
    // The size is that of the event as it is stored and streamed: its JSON text, written (when the
    // bound does not settle it) once and reused by every later step.
    if (maxEventBytes > 0 && sizeBound(event) > maxEventBytes && encodedSize(event) > maxEventBytes) {
      throw new CodedException(Failure.TOO_LARGE, "event is larger than " + maxEventBytes + " bytes", null);
    }
    return event;
  }

  private static long sizeBound(Event event) {
    try {
      return event.sizeBound();
    } catch (io.vertx.core.json.EncodeException | IllegalStateException e) {
      throw CodedException.badRequest(null, "event cannot be encoded as JSON (nested too deeply or holding non-JSON values)");
    }
  }

  private static int encodedSize(Event event) {
    String text;
    try {
      text = event.json();
    } catch (io.vertx.core.json.EncodeException | IllegalStateException e) {
      // Only reachable from the bus, where a body is not parsed: nested deeper than JSON allows, or
      // holding values JSON cannot carry.
      throw CodedException.badRequest(null, "event cannot be encoded as JSON (nested too deeply or holding non-JSON values)");
    }
    return Text.utf8Length(text);
  }

  private static String optionalString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw CodedException.badRequest(field, field + " must be a string");
    }
    return s;
  }

  private static void checkToken(String field, String value, int max) {
    if (value.isEmpty() || value.length() > max) {
      throw CodedException.badRequest(field, field + " must be 1 to " + max + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '_' || c == '.' || c == ':' || c == '-';
      if (!ok) {
        throw CodedException.badRequest(field, field + " may only contain letters, digits and _ . : -");
      }
    }
  }

  private static void checkLength(String field, String value, int max) {
    if (value != null && value.codePointCount(0, value.length()) > max) {
      throw CodedException.badRequest(field, field + " is longer than " + max + " characters");
    }
  }

  private static Long optionalDuration(Object value) {
    if (value == null) {
      return null;
    }
    long duration;
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      duration = ((Number) value).longValue();
    } else if (value instanceof java.math.BigInteger) {
      throw CodedException.badRequest(Fields.DURATION_MS, "duration_ms is too large");
    } else {
      throw CodedException.badRequest(Fields.DURATION_MS, "duration_ms must be an integer");
    }
    if (duration < 0) {
      throw CodedException.badRequest(Fields.DURATION_MS, "duration_ms must be >= 0");
    }
    return duration;
  }

  private static JsonObject optionalObject(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject object)) {
      throw CodedException.badRequest(field, field + " must be a JSON object");
    }
    return object;
  }

  private static List<String> tags(Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw CodedException.badRequest(Fields.TAGS, "tags must be an array of strings");
    }
    if (array.size() > MAX_TAGS) {
      throw CodedException.badRequest(Fields.TAGS, "at most " + MAX_TAGS + " tags");
    }
    List<String> tags = new ArrayList<>(array.size());
    for (Object tag : array) {
      if (!(tag instanceof String s)) {
        throw CodedException.badRequest(Fields.TAGS, "tags must be an array of strings");
      }
      int length = s.codePointCount(0, s.length());
      if (length < 1 || length > MAX_TAG) {
        throw CodedException.badRequest(Fields.TAGS, "each tag must be 1 to " + MAX_TAG + " characters");
      }
      if (s.indexOf(',') >= 0) {
        throw CodedException.badRequest(Fields.TAGS, "tags may not contain a comma");
      }
      tags.add(s);
    }
    return List.copyOf(tags);
  }

  static String abbreviate(String value) {
    return value.length() > 64 ? value.substring(0, 64) + "…" : value;
  }
}
