package org.eventcollector.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code events trace}: the events of one correlation id as a timeline, oldest first. */
@Command(name = "trace", mixinStandardHelpOptions = true, description = "Show the timeline of a correlation id.")
final class TraceCommand extends ClientCommand {

  @Option(names = "--correlation-id", required = true, description = "The correlation id to trace")
  String correlationId;

  @Option(names = "--limit", description = "At most this many events (default 1000)")
  Integer limit;

  @Override
  String path() {
    return "/events/correlation/" + Collector.path(correlationId);
  }

  @Override
  Map<String, List<String>> params() {
    Map<String, List<String>> params = super.params();
    put(params, "limit", limit);
    return params;
  }

  @Override
  void print(JsonObject answer, PrintWriter out) {
    JsonArray events = answer.getJsonArray("events", new JsonArray());
    if (events.isEmpty()) {
      out.println("Trace " + correlationId + ": no events");
      return;
    }
    long first = Event.parseTime(events.getJsonObject(0).getString("timestamp"));
    long last = Event.parseTime(events.getJsonObject(events.size() - 1).getString("timestamp"));
    out.println("Trace " + correlationId + ": " + events.size() + (events.size() == 1 ? " event" : " events")
      + " over " + seconds(last - first));
    Table table = new Table("OFFSET", "TIME", "SYSTEM", "SEVERITY", "TYPE", "DURATION", "TITLE");
    for (Object item : events) {
      JsonObject e = (JsonObject) item;
      Long duration = e.getLong("duration_ms");
      table.row("+" + seconds(Event.parseTime(e.getString("timestamp")) - first), e.getString("timestamp"),
        e.getString("source_system"), e.getString("severity"), e.getString("event_type"),
        duration == null ? "-" : duration + " ms", e.getString("title"));
    }
    table.print(out);
  }

  static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.3fs", millis / 1000.0);
  }
}
