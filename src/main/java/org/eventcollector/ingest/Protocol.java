package org.eventcollector.ingest;

/** The ways events come in: the value of the meters' {@code protocol} tag (CONTRACT.md section 11). */
enum Protocol {
  /** {@code POST /events} and {@code /events/batch}. */
  REST("rest", true),
  /** {@code POST /v1/logs}, OTLP/HTTP logs. */
  OTLP("otlp", true),
  /** {@code POST /loki/api/v1/push}. */
  LOKI("loki", true),
  /** The {@code events.ingest} address. */
  BUS("bus", false);

  private final String tag;
  private final boolean http;

  Protocol(String tag, boolean http) {
    this.tag = tag;
    this.http = http;
  }

  String tag() {
    return tag;
  }

  /** Whether it comes over HTTP: the {@code transport} tag of the older meters. */
  boolean http() {
    return http;
  }
}
