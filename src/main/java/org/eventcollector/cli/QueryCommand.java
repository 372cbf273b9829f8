package org.eventcollector.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** {@code events query}: {@code GET /events} with the seed's flags. */
@Command(name = "query", mixinStandardHelpOptions = true, description = "List stored events, newest first.")
final class QueryCommand extends ClientCommand {

  @Option(names = "--system", split = ",", description = "Source systems (any of)")
  List<String> systems;

  @Option(names = "--event-type", split = ",", description = "Event types (any of)")
  List<String> eventTypes;

  @Option(names = "--severity", split = ",", description = "Exact severities (any of)")
  List<String> severities;

  @Option(names = "--min-severity", description = "At least this severity")
  String minSeverity;

  @Option(names = "--tags", split = ",", description = "Tags (all of)")
  List<String> tags;

  @Option(names = "--any-tags", split = ",", description = "Tags (at least one)")
  List<String> anyTags;

  @Option(names = "--correlation-id", description = "Correlation id")
  String correlationId;

  @Option(names = "--component", split = ",", description = "Source components (any of)")
  List<String> components;

  @Option(names = "--search", description = "Words in the title or description")
  String search;

  @Option(names = "--saved", description = "Apply this saved query (explicit flags combine with it)")
  String saved;

  @ArgGroup(exclusive = true)
  Window window;

  static final class Window {
    @Option(names = "--minutes", description = "The last N minutes")
    Integer minutes;
    @Option(names = "--hours", description = "The last N hours")
    Integer hours;
    @Option(names = "--days", description = "The last N days")
    Integer days;
  }

  @Option(names = "--limit", description = "At most this many events (1-1000, default 100)")
  Integer limit;

  @Option(names = "--offset", description = "Skip this many events")
  Integer offset;

  @Option(names = "--sort-by", description = "timestamp, duration_ms, severity, event_type, source_system")
  String sortBy;

  @Option(names = "--asc", description = "Oldest (smallest) first")
  boolean ascending;

  @Override
  String path() {
    return "/events";
  }

  @Override
  Map<String, List<String>> params() {
    Map<String, List<String>> params = super.params();
    put(params, "saved", saved);
    putAll(params, "source_system", systems);
    putAll(params, "event_type", eventTypes);
    putAll(params, "severity", severities);
    put(params, "min_severity", minSeverity);
    putAll(params, "tags", tags);
    putAll(params, "any_tags", anyTags);
    put(params, "correlation_id", correlationId);
    putAll(params, "source_component", components);
    put(params, "search", search);
    if (window != null) {
      put(params, "minutes", window.minutes);
      put(params, "hours", window.hours);
      put(params, "days", window.days);
    }
    put(params, "limit", limit);
    put(params, "offset", offset);
    put(params, "sort_by", sortBy);
    if (ascending) {
      put(params, "sort_order", "asc");
    }
    return params;
  }

  @Override
  void print(JsonObject answer, PrintWriter out) {
    Table.events(answer.getJsonArray("events")).print(out);
  }
}
