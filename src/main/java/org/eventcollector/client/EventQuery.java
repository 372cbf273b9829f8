package org.eventcollector.client;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * A fluent query with the verbs of the seed's query builder. Filters combine with AND; the
 * list verbs ({@code systems}, {@code eventTypes}, {@code severities}) are any-of.
 *
 * <pre>{@code
 * client.events().system("mahavishnu").severities("error", "critical")
 *   .timeRange(Duration.ofHours(1)).orderBy("duration_ms", false).limit(20).execute();
 * }</pre>
 */
public final class EventQuery {

  private static final List<String> SEVERITIES = List.of("debug", "info", "warning", "error", "critical");

  private final EventCollectorClient client;
  private final List<String> systems = new ArrayList<>();
  private final List<String> eventTypes = new ArrayList<>();
  private final List<String> severities = new ArrayList<>();
  private final List<String> components = new ArrayList<>();
  private final List<String> tags = new ArrayList<>();
  private final List<String> anyTags = new ArrayList<>();
  private String minSeverity;
  private String correlationId;
  private String search;
  private String windowUnit;
  private long windowAmount;
  private Instant since;
  private Instant until;
  private Integer limit;
  private Integer offset;
  private String sortBy;
  private Boolean ascending;

  /** A query with no client, to use as a {@code subscribe} filter or with {@code client.query(...)}. */
  public static EventQuery filter() {
    return new EventQuery(null);
  }

  /** A query run through {@code client} (may be null when only {@link #toJson()} or a filter is wanted). */
  public EventQuery(EventCollectorClient client) {
    this.client = client;
  }

  public EventQuery system(String system) {
    systems.add(system);
    return this;
  }

  public EventQuery systems(String... values) {
    return systems(List.of(values));
  }

  public EventQuery systems(Collection<String> values) {
    systems.addAll(values);
    return this;
  }

  public EventQuery eventType(String eventType) {
    eventTypes.add(eventType);
    return this;
  }

  public EventQuery eventTypes(String... values) {
    return eventTypes(List.of(values));
  }

  public EventQuery eventTypes(Collection<String> values) {
    eventTypes.addAll(values);
    return this;
  }

  /** Exactly this severity (any of, when called again). */
  public EventQuery severity(String severity) {
    severities.add(severity);
    return this;
  }

  public EventQuery severities(String... values) {
    return severities(List.of(values));
  }

  public EventQuery severities(Collection<String> values) {
    severities.addAll(values);
    return this;
  }

  /** This severity or a higher one. */
  public EventQuery minSeverity(String severity) {
    this.minSeverity = severity;
    return this;
  }

  /** Every one of these tags. */
  public EventQuery tags(String... values) {
    return tags(List.of(values));
  }

  public EventQuery tags(Collection<String> values) {
    tags.addAll(values);
    return this;
  }

  /** At least one of these tags. */
  public EventQuery anyTags(String... values) {
    return anyTags(List.of(values));
  }

  public EventQuery anyTags(Collection<String> values) {
    anyTags.addAll(values);
    return this;
  }

  /**
   * The last {@code window}, relative to when the query runs: whole days as {@code days}, whole
   * hours as {@code hours}, otherwise {@code minutes} (rounded up).
   */
  public EventQuery timeRange(Duration window) {
    since = null;
    until = null;
    if (window.toDays() > 0 && window.equals(Duration.ofDays(window.toDays()))) {
      windowUnit = "days";
      windowAmount = window.toDays();
    } else if (window.toHours() > 0 && window.equals(Duration.ofHours(window.toHours()))) {
      windowUnit = "hours";
      windowAmount = window.toHours();
    } else {
      windowUnit = "minutes";
      windowAmount = Math.max(1, (window.toSeconds() + 59) / 60);
    }
    return this;
  }

  /** From {@code since} (inclusive) to {@code until} (exclusive); either may be null for an open end. */
  public EventQuery timeRange(Instant since, Instant until) {
    windowUnit = null;
    this.since = since;
    this.until = until;
    return this;
  }

  public EventQuery correlationId(String correlationId) {
    this.correlationId = correlationId;
    return this;
  }

  public EventQuery sourceComponent(String component) {
    components.add(component);
    return this;
  }

  /** Every whitespace-separated term occurs, case-insensitively, in the title or the description. */
  public EventQuery search(String text) {
    this.search = text;
    return this;
  }

  /** At most this many events (1 to 1000; the collector's default is 100). */
  public EventQuery limit(int limit) {
    this.limit = limit;
    return this;
  }

  public EventQuery offset(int offset) {
    this.offset = offset;
    return this;
  }

  /** Sorts by {@code timestamp}, {@code duration_ms}, {@code severity}, {@code event_type} or {@code source_system}. */
  public EventQuery orderBy(String field, boolean ascending) {
    this.sortBy = field;
    this.ascending = ascending;
    return this;
  }

  /** Runs the query: the matching events. */
  public Future<List<JsonObject>> execute() {
    return bound().query(this);
  }

  /** Counts the matching events. */
  public Future<Long> count() {
    return bound().count(this);
  }

  /** The query object of {@code events.query} and {@code events.count} (REST parameter names). */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    putList(json, "source_system", systems);
    putList(json, "event_type", eventTypes);
    putList(json, "severity", severities);
    putList(json, "source_component", components);
    putList(json, "tags", tags);
    putList(json, "any_tags", anyTags);
    putValue(json, "min_severity", minSeverity);
    putValue(json, "correlation_id", correlationId);
    putValue(json, "search", search);
    if (windowUnit != null) {
      json.put(windowUnit, windowAmount);
    }
    putValue(json, "start_time", since == null ? null : EventCollectorClient.iso(since));
    putValue(json, "end_time", until == null ? null : EventCollectorClient.iso(until));
    putValue(json, "limit", limit);
    putValue(json, "offset", offset);
    putValue(json, "sort_by", sortBy);
    putValue(json, "sort_order", ascending == null ? null : ascending ? "asc" : "desc");
    return json;
  }

  /** Whether a stored event passes the filters (not the time range, paging or order). */
  public boolean matches(JsonObject event) {
    if (event == null) {
      return false;
    }
    if (!anyOf(systems, event.getString("source_system")) || !anyOf(eventTypes, event.getString("event_type"))
      || !anyOf(severities, event.getString("severity")) || !anyOf(components, event.getString("source_component"))) {
      return false;
    }
    if (minSeverity != null && SEVERITIES.indexOf(event.getString("severity")) < SEVERITIES.indexOf(minSeverity)) {
      return false;
    }
    if (correlationId != null && !correlationId.equals(event.getString("correlation_id"))) {
      return false;
    }
    JsonArray eventTags = event.getJsonArray("tags", new JsonArray());
    if (!tags.stream().allMatch(eventTags::contains)) {
      return false;
    }
    if (!anyTags.isEmpty() && anyTags.stream().noneMatch(eventTags::contains)) {
      return false;
    }
    if (search != null) {
      String text = (event.getString("title", "") + "\n" + event.getString("description", "")).toLowerCase(Locale.ROOT);
      for (String term : search.trim().split("\\s+")) {
        if (!term.isEmpty() && !text.contains(term.toLowerCase(Locale.ROOT))) {
          return false;
        }
      }
    }
    return true;
  }

  List<String> systemsList() {
    return systems;
  }

  private EventCollectorClient bound() {
    if (client == null) {
      throw new IllegalStateException("this query has no client: use client.events() or client.query(query)");
    }
    return client;
  }

  private static boolean anyOf(List<String> wanted, String value) {
    return wanted.isEmpty() || wanted.contains(value);
  }

  private static void putList(JsonObject json, String name, List<String> values) {
    if (!values.isEmpty()) {
      json.put(name, new JsonArray(new ArrayList<>(values)));
    }
  }

  private static void putValue(JsonObject json, String name, Object value) {
    if (value != null) {
      json.put(name, value);
    }
  }
}
