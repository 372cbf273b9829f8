package org.eventcollector.storage;

import io.vertx.core.json.JsonObject;
import org.eventcollector.mirror.GraphMapping;
import org.eventcollector.mirror.GraphMapping.Step;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One page of the outbox being mirrored: the calls of its events, planned in commit order, and how
 * far they got. Entities are made in that order (the entity cursor), so an event's system,
 * correlation and previous event exist before its relations; the relations of the events before the
 * cursor may run at any time.
 */
final class MirrorPage {

  /** One event of the page, and how far its calls got. */
  static final class Work {
    final Outbox.Entry entry;
    final List<Step> steps;
    final boolean[] done;
    final boolean[] running;
    final boolean[] uncertain;
    int remaining;

    Work(Outbox.Entry entry, List<Step> steps) {
      this.entry = entry;
      this.steps = steps;
      this.done = new boolean[steps.size()];
      this.running = new boolean[steps.size()];
      this.uncertain = new boolean[steps.size()];
      this.remaining = steps.size();
    }

    /** The first entity step not done, or -1 when its entities exist. */
    int nextEntityStep() {
      for (int i = 0; i < steps.size(); i++) {
        if (steps.get(i).entity() == null) {
          return -1;
        }
        if (!done[i]) {
          return i;
        }
      }
      return -1;
    }
  }

  /** An entity step of a batch. */
  record Slot(Work work, int step) {
  }

  final List<Work> works;
  /** The graph entities this page makes or moves: name to last event id ("" for none). */
  final Map<String, String> changes;
  /** Events of this page deleted before they were mirrored. */
  final int deleted;
  /** Works before this index have their entities made. */
  int entityCursor;
  /** Works before this index are done. */
  int firstOpen;
  /** Works up to this index make their entities one by one (a batch answer could not tell). */
  int singleUntil = -1;

  private MirrorPage(List<Work> works, Map<String, String> changes, int deleted) {
    this.works = works;
    this.changes = changes;
    this.deleted = deleted;
  }

  static MirrorPage empty() {
    return new MirrorPage(List.of(), new HashMap<>(), 0);
  }

  /**
   * Works out every call of the page, in commit order, from {@code graph} (the known entities, name
   * to last event id), which it brings up to the state after the page.
   */
  static MirrorPage plan(List<Outbox.Entry> entries, Map<String, String> graph) {
    List<Work> work = new ArrayList<>(entries.size());
    Map<String, String> changes = new HashMap<>();
    int deleted = 0;
    for (Outbox.Entry entry : entries) {
      JsonObject event = entry.event();
      if (event == null) {
        // Deleted (retention or DELETE /events) before it was mirrored: nothing left to mirror.
        work.add(new Work(entry, List.of()));
        deleted++;
        continue;
      }
      String system = GraphMapping.systemName(event.getString("source_system"));
      String correlation = event.getString("correlation_id");
      String correlationName = correlation == null ? null : GraphMapping.correlationName(correlation);
      String previous = correlationName == null ? null : graph.get(correlationName);
      work.add(new Work(entry, GraphMapping.steps(event, graph.containsKey(system),
        correlationName != null && graph.containsKey(correlationName), previous == null || previous.isEmpty() ? null : previous)));
      if (!graph.containsKey(system)) {
        graph.put(system, "");
        changes.put(system, "");
      }
      if (correlationName != null) {
        graph.put(correlationName, event.getString("event_id"));
        changes.put(correlationName, event.getString("event_id"));
      }
    }
    return new MirrorPage(work, changes, deleted);
  }

  boolean isEmpty() {
    return works.isEmpty();
  }

  int size() {
    return works.size();
  }

  Work get(int index) {
    return works.get(index);
  }

  /** The first event not done, or null. */
  Work head() {
    return firstOpen < works.size() ? works.get(firstOpen) : null;
  }

  boolean finished() {
    return firstOpen == works.size();
  }

  /** Moves the entity cursor past events whose entities exist; answers the next event with an entity to make, or null. */
  Work nextEntityWork() {
    while (entityCursor < works.size()) {
      Work work = works.get(entityCursor);
      if (work.nextEntityStep() >= 0) {
        return work;
      }
      entityCursor++;
    }
    return null;
  }

  /** True when the entities at the cursor may go in a batch. */
  boolean batchable() {
    return entityCursor > singleUntil;
  }

  /** Up to {@code max} entity steps not done, from the cursor on, in order. */
  List<Slot> batch(int max) {
    List<Slot> slots = new ArrayList<>();
    for (int k = entityCursor; k < works.size() && slots.size() < max; k++) {
      Work work = works.get(k);
      for (int i = 0; i < work.steps.size() && slots.size() < max && work.steps.get(i).entity() != null; i++) {
        if (!work.done[i] && !work.running[i]) {
          slots.add(new Slot(work, i));
        }
      }
    }
    return slots;
  }

  /** Makes the entities up to the event of {@code last} one by one. */
  void single(Slot last) {
    singleUntil = Math.max(singleUntil, works.indexOf(last.work()));
  }

  /** Moves past the events done at the head; answers the position of the last of them, or -1 when none moved. */
  long advance() {
    long seq = -1;
    while (firstOpen < works.size() && works.get(firstOpen).remaining == 0) {
      seq = works.get(firstOpen).entry.seq();
      firstOpen++;
    }
    return seq;
  }
}
