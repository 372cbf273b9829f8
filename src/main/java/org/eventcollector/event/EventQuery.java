package org.eventcollector.event;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A normalised query over stored events (CONTRACT.md section 3). Built by {@link QueryParser};
 * every list is "any of" except {@code tags} (all of). Times are epoch milliseconds, {@code end}
 * exclusive unless {@code endInclusive}.
 */
public record EventQuery(List<String> sourceSystems, List<String> eventTypes, List<Severity> severities,
                         List<String> components, Severity minSeverity, Long start, Long end, boolean endInclusive,
                         String correlationId, List<String> tags, List<String> anyTags, List<String> searchTerms,
                         int limit, int offset, SortField sortBy, boolean ascending, JsonObject echo) {

  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1000;

  /** A query matching everything, newest first. */
  public static EventQuery all(int limit) {
    return new EventQuery(List.of(), List.of(), List.of(), List.of(), null, null, null, false, null, List.of(),
      List.of(), List.of(), limit, 0, SortField.TIMESTAMP, false, new JsonObject());
  }

  /** The same filters with another window (used by stats and analysis). */
  public EventQuery withWindow(Long start, Long end, boolean endInclusive) {
    return new EventQuery(sourceSystems, eventTypes, severities, components, minSeverity, start, end, endInclusive,
      correlationId, tags, anyTags, searchTerms, limit, offset, sortBy, ascending, echo);
  }

  /** The same filters with another page and order. */
  public EventQuery withPage(int limit, int offset, SortField sortBy, boolean ascending) {
    return new EventQuery(sourceSystems, eventTypes, severities, components, minSeverity, start, end, endInclusive,
      correlationId, tags, anyTags, searchTerms, limit, offset, sortBy, ascending, echo);
  }

  /** True when {@code event} passes every filter (the in-memory twin of the SQL filter). */
  public boolean matches(Event event) {
    if (!sourceSystems.isEmpty() && !sourceSystems.contains(event.sourceSystem())) {
      return false;
    }
    if (!eventTypes.isEmpty() && !eventTypes.contains(event.eventType())) {
      return false;
    }
    if (!severities.isEmpty() && !severities.contains(event.severity())) {
      return false;
    }
    if (!components.isEmpty() && (event.sourceComponent() == null || !components.contains(event.sourceComponent()))) {
      return false;
    }
    if (minSeverity != null && event.severity().rank() < minSeverity.rank()) {
      return false;
    }
    if (start != null && event.timestamp() < start) {
      return false;
    }
    if (end != null && (endInclusive ? event.timestamp() > end : event.timestamp() >= end)) {
      return false;
    }
    if (correlationId != null && !correlationId.equals(event.correlationId())) {
      return false;
    }
    if (!tags.isEmpty() && !event.tags().containsAll(tags)) {
      return false;
    }
    if (!anyTags.isEmpty() && anyTags.stream().noneMatch(event.tags()::contains)) {
      return false;
    }
    if (!searchTerms.isEmpty()) {
      String title = Text.fold(event.title());
      String description = Text.fold(event.description());
      for (String term : searchTerms) {
        String folded = Text.fold(term);
        if (!title.contains(folded) && !description.contains(folded)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Sort keys of {@code sort_by}. */
  public enum SortField {
    TIMESTAMP("timestamp"), DURATION_MS("duration_ms"), SEVERITY("severity"), EVENT_TYPE("event_type"),
    SOURCE_SYSTEM("source_system");

    private final String wire;

    SortField(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public static SortField parse(String value) {
      for (SortField field : values()) {
        if (field.wire.equals(value)) {
          return field;
        }
      }
      return null;
    }
  }

  static JsonArray array(List<String> values) {
    return new JsonArray(List.copyOf(values));
  }
}
