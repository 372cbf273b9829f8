package org.eventcollector.event;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;

/**
 * A validated event, immutable. {@code timestamp} is epoch milliseconds (UTC).
 *
 * <p>Its JSON text ({@link #json()}) is written once, on first use, and then shared by everything
 * that needs it: the stored row, the bus publications, every WebSocket frame. {@code data} and
 * {@code metadata} are never changed after validation; callers must not mutate them.
 */
public final class Event {

  private static final DateTimeFormatter ISO_MILLIS =
    DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final String eventId;
  private final long timestamp;
  private final String sourceSystem;
  private final String eventType;
  private final Severity severity;
  private final String title;
  private final String description;
  private final String correlationId;
  private final String sourceComponent;
  private final Long durationMs;
  private final JsonObject data;
  private final List<String> tags;
  private final JsonObject metadata;
  /** The wire form as text; a benign race may write it twice, always to equal strings. */
  private String json;

  public Event(String eventId, long timestamp, String sourceSystem, String eventType, Severity severity,
               String title, String description, String correlationId, String sourceComponent, Long durationMs,
               JsonObject data, List<String> tags, JsonObject metadata) {
    this(eventId, timestamp, sourceSystem, eventType, severity, title, description, correlationId, sourceComponent,
      durationMs, data, tags, metadata, null);
  }

  private Event(String eventId, long timestamp, String sourceSystem, String eventType, Severity severity,
                String title, String description, String correlationId, String sourceComponent, Long durationMs,
                JsonObject data, List<String> tags, JsonObject metadata, String json) {
    this.eventId = eventId;
    this.timestamp = timestamp;
    this.sourceSystem = sourceSystem;
    this.eventType = eventType;
    this.severity = severity;
    this.title = title;
    this.description = description;
    this.correlationId = correlationId;
    this.sourceComponent = sourceComponent;
    this.durationMs = durationMs;
    this.data = data;
    this.tags = tags;
    this.metadata = metadata;
    this.json = json;
  }

  public String eventId() {
    return eventId;
  }

  public long timestamp() {
    return timestamp;
  }

  public String sourceSystem() {
    return sourceSystem;
  }

  public String eventType() {
    return eventType;
  }

  public Severity severity() {
    return severity;
  }

  public String title() {
    return title;
  }

  public String description() {
    return description;
  }

  public String correlationId() {
    return correlationId;
  }

  public String sourceComponent() {
    return sourceComponent;
  }

  public Long durationMs() {
    return durationMs;
  }

  public JsonObject data() {
    return data;
  }

  public List<String> tags() {
    return tags;
  }

  public JsonObject metadata() {
    return metadata;
  }

  /** The wire form, every field present (null where absent): a new object the caller may change. */
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
      .put(Fields.DATA, data.copy())
      .put(Fields.TAGS, new JsonArray(new java.util.ArrayList<>(tags)))
      .put(Fields.METADATA, metadata.copy());
  }

  /** The wire form as JSON text, the same fields in the same order as {@link #toJson()}; written once. */
  public String json() {
    String text = json;
    if (text == null) {
      text = encode();
      json = text;
    }
    return text;
  }

  /**
   * An upper bound of the UTF-8 size of {@link #json()}, found without writing it; at most six times
   * the size for text that needs no escapes, so a check against a limit many times an event's usual
   * size rarely needs the exact figure.
   */
  public long sizeBound() {
    long size = 260 + 6L * (eventId.length() + sourceSystem.length() + eventType.length() + title.length()
      + description.length() + (correlationId == null ? 0 : correlationId.length())
      + (sourceComponent == null ? 0 : sourceComponent.length()));
    return size + JsonText.sizeBound(data) + JsonText.sizeBound(tags) + JsonText.sizeBound(metadata);
  }

  private String encode() {
    StringBuilder out = new StringBuilder(320 + title.length() + description.length());
    out.append("{\"event_id\":");
    JsonText.string(out, eventId);
    out.append(",\"timestamp\":\"").append(formatTime(timestamp)).append("\",\"source_system\":");
    JsonText.string(out, sourceSystem);
    out.append(",\"event_type\":");
    JsonText.string(out, eventType);
    out.append(",\"severity\":\"").append(severity.wire()).append("\",\"title\":");
    JsonText.string(out, title);
    out.append(",\"description\":");
    JsonText.string(out, description);
    out.append(",\"correlation_id\":");
    JsonText.string(out, correlationId);
    out.append(",\"source_component\":");
    JsonText.string(out, sourceComponent);
    out.append(",\"duration_ms\":").append(durationMs);
    out.append(",\"data\":");
    JsonText.object(out, data.getMap());
    out.append(",\"tags\":");
    JsonText.array(out, tags);
    out.append(",\"metadata\":");
    JsonText.object(out, metadata.getMap());
    return out.append('}').toString();
  }

  /** Reads the wire form of an event that was validated before (a stored row, an internal message). */
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
    long day = Math.floorDiv(epochMillis, 86_400_000L);
    LocalDate date = day >= MIN_FAST_DAY && day <= MAX_FAST_DAY ? LocalDate.ofEpochDay(day) : null;
    if (date == null) {
      return ISO_MILLIS.format(Instant.ofEpochMilli(epochMillis));
    }
    int ms = (int) Math.floorMod(epochMillis, 86_400_000L);
    char[] out = new char[24];
    digits(out, 0, date.getYear(), 4);
    out[4] = '-';
    digits(out, 5, date.getMonthValue(), 2);
    out[7] = '-';
    digits(out, 8, date.getDayOfMonth(), 2);
    out[10] = 'T';
    digits(out, 11, ms / 3_600_000, 2);
    out[13] = ':';
    digits(out, 14, ms / 60_000 % 60, 2);
    out[16] = ':';
    digits(out, 17, ms / 1000 % 60, 2);
    out[19] = '.';
    digits(out, 20, ms % 1000, 3);
    out[23] = 'Z';
    return new String(out);
  }

  /** Years 1000 to 9999 print as four digits; other years go through the formatter. */
  private static final long MIN_FAST_DAY = LocalDate.of(1000, 1, 1).toEpochDay();
  private static final long MAX_FAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

  private static void digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  /** Parses a time with {@code Z} or an offset, truncated to milliseconds; throws on a zone-less time. */
  public static long parseTime(String value) {
    return Times.parse(value);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Event e && timestamp == e.timestamp && eventId.equals(e.eventId)
      && sourceSystem.equals(e.sourceSystem) && eventType.equals(e.eventType) && severity == e.severity
      && title.equals(e.title) && description.equals(e.description) && Objects.equals(correlationId, e.correlationId)
      && Objects.equals(sourceComponent, e.sourceComponent) && Objects.equals(durationMs, e.durationMs)
      && data.equals(e.data) && tags.equals(e.tags) && metadata.equals(e.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(eventId, timestamp, sourceSystem, eventType, severity);
  }

  @Override
  public String toString() {
    return json();
  }
}
