package org.eventcollector.ingest;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import com.google.protobuf.ByteString;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;
import org.eventcollector.event.Event;
import org.eventcollector.event.Fields;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OTLP log records as events, field by field as CONTRACT.md section 11 maps them. A record that
 * cannot be an event (no or an unknown system) becomes the {@link CodedException} that rejects it,
 * so the shared ingest path reports it in order with the others.
 */
final class OtlpMapping {

  static final String EVENT_NAME = "event.name";
  static final String CORRELATION_ID = "correlation_id";
  static final String CODE_NAMESPACE = "code.namespace";
  static final String DURATION_MS = "duration_ms";
  static final String TAGS = "tags";

  private final String systemAttribute;
  private final Set<String> systems;

  OtlpMapping(String systemAttribute, Set<String> systems) {
    this.systemAttribute = systemAttribute;
    this.systems = Set.copyOf(systems);
  }

  /** The number of log records in {@code request}. */
  static int count(ExportLogsServiceRequest request) {
    int count = 0;
    for (ResourceLogs resource : request.getResourceLogsList()) {
      for (ScopeLogs scope : resource.getScopeLogsList()) {
        count += scope.getLogRecordsCount();
      }
    }
    return count;
  }

  /** One item per log record, in request order: a raw event, or the exception that rejects the record. */
  List<Object> events(ExportLogsServiceRequest request) {
    List<Object> items = new ArrayList<>(count(request));
    for (ResourceLogs resourceLogs : request.getResourceLogsList()) {
      Map<String, Object> resource = attributes(resourceLogs.getResource().getAttributesList());
      Object name = resource.remove(systemAttribute);
      String system = name instanceof String s ? LogText.system(s) : null;
      CodedException unknown = null;
      if (system == null || system.isEmpty()) {
        unknown = CodedException.badRequest(Fields.SOURCE_SYSTEM,
          "resource attribute " + systemAttribute + " is missing (it names the source_system)");
      } else if (!systems.contains(system)) {
        unknown = CodedException.badRequest(Fields.SOURCE_SYSTEM, "resource attribute " + systemAttribute + " '"
          + abbreviate(String.valueOf(name)) + "' is not a configured system");
      }
      JsonObject resourceJson = new JsonObject(resource);
      for (ScopeLogs scopeLogs : resourceLogs.getScopeLogsList()) {
        InstrumentationScope scope = scopeLogs.getScope();
        JsonObject scopeJson = new JsonObject().put("name", scope.getName()).put("version", scope.getVersion());
        for (LogRecord record : scopeLogs.getLogRecordsList()) {
          items.add(unknown != null ? unknown : event(record, system, scope, scopeJson, resourceJson));
        }
      }
    }
    return items;
  }

  private Object event(LogRecord record, String system, InstrumentationScope scope, JsonObject scopeJson,
                           JsonObject resource) {
    Map<String, Object> data = attributes(record.getAttributesList());
    JsonObject event = new JsonObject().put(Fields.SOURCE_SYSTEM, system);

    String type = take(data, EVENT_NAME, String.class);
    if (type == null) {
      type = record.getEventName().isEmpty() ? "log" : record.getEventName();
    }
    event.put(Fields.EVENT_TYPE, type);
    event.put(Fields.SEVERITY, severity(record.getSeverityNumberValue(), record.getSeverityText()));
    long nanos = record.getTimeUnixNano() != 0 ? record.getTimeUnixNano() : record.getObservedTimeUnixNano();
    if (nanos < 0) {
      // Past 2262: a fixed64 beyond the range of epoch nanoseconds in a long.
      return CodedException.badRequest(Fields.TIMESTAMP, "time_unix_nano is out of range");
    }
    if (nanos != 0) {
      event.put(Fields.TIMESTAMP, Event.formatTime(nanos / 1_000_000));
    }
    LogText.titleAndDescription(event, body(record.getBody()));

    String trace = hexId(record.getTraceId());
    event.put(Fields.CORRELATION_ID, trace != null ? trace : take(data, CORRELATION_ID, String.class));
    String component = take(data, CODE_NAMESPACE, String.class);
    if (component == null && !scope.getName().isEmpty()) {
      component = scope.getName();
    }
    event.put(Fields.SOURCE_COMPONENT, component);
    Object duration = data.get(DURATION_MS);
    if (duration instanceof Long ms && ms >= 0) {
      data.remove(DURATION_MS);
      event.put(Fields.DURATION_MS, ms);
    }
    if (data.get(TAGS) instanceof JsonArray tags && tags.stream().allMatch(String.class::isInstance)) {
      data.remove(TAGS);
      event.put(Fields.TAGS, tags);
    }
    event.put(Fields.DATA, new JsonObject(data));

    JsonObject metadata = new JsonObject();
    String span = hexId(record.getSpanId());
    if (span != null) {
      metadata.put("span_id", span);
    }
    metadata.put("scope", scopeJson).put("resource", resource);
    event.put(Fields.METADATA, metadata);
    return event;
  }

  /** Removes and answers attribute {@code key} when it has type {@code type} and is not empty; else leaves it. */
  private static <T> T take(Map<String, Object> data, String key, Class<T> type) {
    Object value = data.get(key);
    if (type.isInstance(value) && !(value instanceof String s && s.isEmpty())) {
      data.remove(key);
      return type.cast(value);
    }
    return null;
  }

  /** The severity of section 11: the number's range, else the text, else {@code info}. */
  static String severity(int number, String text) {
    if (number >= 1 && number <= 8) {
      return "debug";
    } else if (number >= 9 && number <= 12) {
      return "info";
    } else if (number >= 13 && number <= 16) {
      return "warning";
    } else if (number >= 17 && number <= 20) {
      return "error";
    } else if (number >= 21 && number <= 24) {
      return "critical";
    } else if (number == 0) {
      return LogText.severity(text);
    }
    return "info";
  }

  /** The body as a string: a string body as is, any other JSON-encoded, none as {@code ""}. */
  static String body(AnyValue body) {
    if (body.getValueCase() == AnyValue.ValueCase.VALUE_NOT_SET) {
      return "";
    }
    if (body.hasStringValue()) {
      return body.getStringValue();
    }
    Object value = json(body);
    return value instanceof JsonObject o ? o.encode() : value instanceof JsonArray a ? a.encode()
      : io.vertx.core.json.Json.encode(value);
  }

  /** Lower-case hex of a trace or span id; null when absent or all zero (an invalid id). */
  static String hexId(ByteString id) {
    if (id.isEmpty()) {
      return null;
    }
    byte[] bytes = id.toByteArray();
    for (byte b : bytes) {
      if (b != 0) {
        return HexFormat.of().formatHex(bytes);
      }
    }
    return null;
  }

  /** Attributes as JSON values by key, in order; a repeated key keeps its last value. */
  static Map<String, Object> attributes(List<KeyValue> attributes) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (KeyValue attribute : attributes) {
      map.put(attribute.getKey(), json(attribute.getValue()));
    }
    return map;
  }

  /** An attribute value as JSON: bytes as base64, non-finite doubles as their names (JSON has no NaN). */
  static Object json(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> value.getBoolValue();
      case INT_VALUE -> value.getIntValue();
      case DOUBLE_VALUE -> Double.isFinite(value.getDoubleValue()) ? (Object) value.getDoubleValue()
        : Double.toString(value.getDoubleValue());
      case ARRAY_VALUE -> {
        JsonArray array = new JsonArray();
        value.getArrayValue().getValuesList().forEach(v -> array.add(json(v)));
        yield array;
      }
      case KVLIST_VALUE -> new JsonObject(attributes(value.getKvlistValue().getValuesList()));
      case BYTES_VALUE -> Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
      default -> null;
    };
  }

  private static String abbreviate(String value) {
    return value.length() > 64 ? value.substring(0, 64) + "…" : value;
  }
}
