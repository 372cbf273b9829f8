package org.eventcollector.event;

import java.util.List;

/** Wire field names of an event (CONTRACT.md section 2). */
public final class Fields {

  public static final String EVENT_ID = "event_id";
  public static final String TIMESTAMP = "timestamp";
  public static final String SOURCE_SYSTEM = "source_system";
  public static final String EVENT_TYPE = "event_type";
  public static final String SEVERITY = "severity";
  public static final String TITLE = "title";
  public static final String DESCRIPTION = "description";
  public static final String CORRELATION_ID = "correlation_id";
  public static final String SOURCE_COMPONENT = "source_component";
  public static final String DURATION_MS = "duration_ms";
  public static final String DATA = "data";
  public static final String TAGS = "tags";
  public static final String METADATA = "metadata";

  /** Every field, in the order events are written out. */
  public static final List<String> ALL = List.of(EVENT_ID, TIMESTAMP, SOURCE_SYSTEM, EVENT_TYPE, SEVERITY, TITLE,
    DESCRIPTION, CORRELATION_ID, SOURCE_COMPONENT, DURATION_MS, DATA, TAGS, METADATA);

  private Fields() {
  }
}
