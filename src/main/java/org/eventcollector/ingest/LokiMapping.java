package org.eventcollector.ingest;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;
import org.eventcollector.event.Event;
import org.eventcollector.event.Fields;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Loki lines as events, as CONTRACT.md section 11 maps them. */
final class LokiMapping {

  /** Labels naming the system, first present wins. */
  static final List<String> SYSTEM_LABELS = List.of("service_name", "job", "system");
  /** Labels naming the level, first present wins. */
  static final List<String> LEVEL_LABELS = List.of("level", "detected_level");
  static final String EVENT_TYPE_LABEL = "event_type";

  private LokiMapping() {
  }

  /** One raw event per line, in request order. */
  static List<Object> events(List<LokiPush.Stream> streams) {
    List<Object> items = new ArrayList<>(LokiPush.count(streams));
    for (LokiPush.Stream stream : streams) {
      Map<String, String> labels = new LinkedHashMap<>(stream.labels());
      String systemLabel = first(labels, SYSTEM_LABELS);
      String system = systemLabel == null ? null : LogText.system(labels.remove(systemLabel));
      String levelLabel = first(labels, LEVEL_LABELS);
      String severity = LogText.severity(levelLabel == null ? null : labels.remove(levelLabel));
      String type = labels.containsKey(EVENT_TYPE_LABEL) ? labels.remove(EVENT_TYPE_LABEL) : "log";
      JsonObject rest = new JsonObject(new LinkedHashMap<>(labels));
      CodedException missing = system == null ? CodedException.badRequest(Fields.SOURCE_SYSTEM,
        "stream " + stream.labels() + " has no service_name, job or system label (it names the source_system)") : null;
      for (LokiPush.Entry entry : stream.entries()) {
        items.add(missing != null ? missing : event(entry, system, severity, type, rest));
      }
    }
    return items;
  }

  private static JsonObject event(LokiPush.Entry entry, String system, String severity, String type, JsonObject labels) {
    JsonObject event = new JsonObject()
      .put(Fields.SOURCE_SYSTEM, system)
      .put(Fields.EVENT_TYPE, type)
      .put(Fields.SEVERITY, severity)
      .put(Fields.TIMESTAMP, Event.formatTime(entry.nanos() / 1_000_000));
    JsonObject line = jsonObject(entry.line());
    if (line != null) {
      Object message = line.getValue("msg") instanceof String ? line.remove("msg")
        : line.getValue("message") instanceof String ? line.remove("message") : null;
      LogText.titleAndDescription(event, message == null ? "" : (String) message);
      event.put(Fields.DATA, line);
    } else {
      LogText.titleAndDescription(event, entry.line());
    }
    JsonObject metadata = new JsonObject().put("labels", labels);
    if (!entry.metadata().isEmpty()) {
      metadata.put("structured_metadata", new JsonObject(new LinkedHashMap<>(entry.metadata())));
    }
    event.put(Fields.METADATA, metadata);
    return event;
  }

  /** The line as a JSON object, or null when it is not one. */
  private static JsonObject jsonObject(String line) {
    String trimmed = line.strip();
    if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) {
      return null;
    }
    try {
      return new JsonObject(trimmed);
    } catch (DecodeException | IllegalStateException | ClassCastException e) {
      return null;
    }
  }

  private static String first(Map<String, String> labels, List<String> names) {
    for (String name : names) {
      if (labels.containsKey(name)) {
        return name;
      }
    }
    return null;
  }
}
