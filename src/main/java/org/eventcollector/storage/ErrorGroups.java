package org.eventcollector.storage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;
import org.eventcollector.event.Fingerprint;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * Errors grouped by fingerprint, fed one event at a time (a streaming pass). Memory is bounded:
 * past {@link #MAX_GROUPS} distinct fingerprints, new ones are only counted as {@code ungrouped}.
 */
final class ErrorGroups {

  static final int MAX_GROUPS = 10_000;

  private static final class Group {
    final String fingerprint;
    final String sourceSystem;
    final String eventType;
    final String pattern;
    long count;
    long firstSeen = Long.MAX_VALUE;
    long lastSeen = Long.MIN_VALUE;
    String lastEventId;
    String lastTitle;

    Group(String fingerprint, String sourceSystem, String eventType, String pattern) {
      this.fingerprint = fingerprint;
      this.sourceSystem = sourceSystem;
      this.eventType = eventType;
      this.pattern = pattern;
    }
  }

  private final Map<String, Group> groups = new HashMap<>();
  private long total;
  private long ungrouped;

  void add(String eventId, long ts, String sourceSystem, String eventType, String title, String description) {
    total++;
    String fingerprint = Fingerprint.of(sourceSystem, eventType, title, description);
    Group group = groups.get(fingerprint);
    if (group == null) {
      if (groups.size() >= MAX_GROUPS) {
        ungrouped++;
        return;
      }
      group = new Group(fingerprint, sourceSystem, eventType, Fingerprint.normalise(title));
      groups.put(fingerprint, group);
    }
    group.count++;
    group.firstSeen = Math.min(group.firstSeen, ts);
    if (group.lastEventId == null || ts > group.lastSeen || (ts == group.lastSeen && eventId.compareTo(group.lastEventId) > 0)) {
      group.lastSeen = ts;
      group.lastEventId = eventId;
      group.lastTitle = title;
    }
  }

  /** {@code {total, distinct, ungrouped, groups: [top by count, then most recent]}}. */
  JsonObject toJson(int top) {
    return toJson(top, null);
  }

  /** The fingerprints of a request's {@code fingerprints} array, or null (every group) when it has none. */
  static java.util.Set<String> only(Object fingerprints) {
    if (!(fingerprints instanceof JsonArray array)) {
      return null;
    }
    java.util.Set<String> only = new java.util.HashSet<>();
    array.forEach(item -> only.add(String.valueOf(item)));
    return only;
  }

  /** As {@link #toJson(int)}, listing only the groups of {@code only} (all when null). */
  JsonObject toJson(int top, java.util.Set<String> only) {
    JsonArray list = new JsonArray();
    groups.values().stream()
      .filter(g -> only == null || only.contains(g.fingerprint))
      .sorted(Comparator.<Group>comparingLong(g -> g.count).reversed()
        .thenComparing(Comparator.<Group>comparingLong(g -> g.lastSeen).reversed())
        .thenComparing(g -> g.fingerprint))
      .limit(top)
      .forEach(g -> list.add(new JsonObject()
        .put("fingerprint", g.fingerprint)
        .put("count", g.count)
        .put("source_system", g.sourceSystem)
        .put("event_type", g.eventType)
        .put("pattern", g.pattern)
        .put("first_seen", Event.formatTime(g.firstSeen))
        .put("last_seen", Event.formatTime(g.lastSeen))
        .put("last_event_id", g.lastEventId)
        .put("last_title", g.lastTitle)));
    return new JsonObject().put("total", total).put("distinct", groups.size()).put("ungrouped", ungrouped)
      .put("groups", list);
  }
}
