package org.eventcollector.event;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * A validated event. {@code timestamp} is epoch milliseconds (UTC); {@code data}, {@code tags} and
 * {@code metadata} are kept as their JSON text, as they are stored.
 */
public record Event(String eventId, long timestamp, String sourceSystem, String eventType, Severity severity,
                    String title, String description, String correlationId, String sourceComponent, Long durationMs,
                    JsonObject data, List<String> tags, JsonObject metadata) {

  private static final DateTimeFormatter ISO_MILLIS =
    DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** The wire form, every field present (null where absent). */
  public JsonObject toJson() {
    return new JsonObject()
      .put(Fields.EVENT_ID, eventId)
      .put(Fields.TIMESTAMP, formatTime(timestamp))
      .put(Fields.SOURCE_SYSTEM, sourceSystem)
      .put(Fields.EVENT_TYPE, eventType)
      .put(Fields.SEVERITY, severity.wire())
      .put(Fields.TITLE, title)
      .put(Fields.DESCRIPTION, description)
      .put(Fields.CORRELATION_ID, correlationId)
      .put(Fields.SOURCE_COMPONENT, sourceComponent)
      .put(Fields.DURATION_MS, durationMs)
      .put(Fields.DATA, data)
      .put(Fields.TAGS, new JsonArray(List.copyOf(tags)))
      .put(Fields.METADATA, metadata);
  }

  /** Reads the wire form of an event that was validated before (the storage side of the bus). */
  public static Event fromJson(JsonObject json) {
    JsonArray tags = json.getJsonArray(Fields.TAGS, new JsonArray());
    Number duration = (Number) json.getValue(Fields.DURATION_MS);
    return new Event(
      json.getString(Fields.EVENT_ID),
      parseTime(json.getString(Fields.TIMESTAMP)),
      json.getString(Fields.SOURCE_SYSTEM),
      json.getString(Fields.EVENT_TYPE),
      Severity.parse(json.getString(Fields.SEVERITY, "info")),
      json.getString(Fields.TITLE, ""),
      json.getString(Fields.DESCRIPTION, ""),
      json.getString(Fields.CORRELATION_ID),
      json.getString(Fields.SOURCE_COMPONENT),
      duration == null ? null : duration.longValue(),
      json.getJsonObject(Fields.DATA, new JsonObject()),
      tags.stream().map(String::valueOf).toList(),
      json.getJsonObject(Fields.METADATA, new JsonObject()));
  }

  /** UTC ISO-8601 with milliseconds, e.g. {@code 2026-11-22T13:00:00.000Z}. */
  public static String formatTime(long epochMillis) {
    return ISO_MILLIS.format(Instant.ofEpochMilli(epochMillis));
  }

  /** Parses a time with {@code Z} or an offset, truncated to milliseconds; throws on a zone-less time. */
  public static long parseTime(String value) {
    return Times.parse(value);
  }
}
