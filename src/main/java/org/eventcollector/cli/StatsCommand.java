package org.eventcollector.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** {@code events stats}: counts by system, type and severity. */
@Command(name = "stats", mixinStandardHelpOptions = true, description = "Show event statistics.")
final class StatsCommand extends ClientCommand {

  @Option(names = "--start-time", description = "ISO-8601 start (inclusive); default all time")
  String startTime;

  @Option(names = "--end-time", description = "ISO-8601 end (exclusive)")
  String endTime;

  @Override
  String path() {
    return "/events/stats";
  }

  @Override
  Map<String, List<String>> params() {
    Map<String, List<String>> params = super.params();
    put(params, "start_time", startTime);
    put(params, "end_time", endTime);
    return params;
  }

  @Override
  void print(JsonObject answer, PrintWriter out) {
    JsonObject range = answer.getJsonObject("time_range", new JsonObject());
    String start = range.getString("start");
    String end = range.getString("end");
    out.println("Total events: " + answer.getLong("total_events"));
    out.println("Time range:   " + (start == null && end == null ? "all time"
      : (start == null ? "…" : start) + " to " + (end == null ? "…" : end)));
    out.println();
    Table.counts("SOURCE SYSTEM", answer.getJsonObject("by_source_system")).print(out);
    out.println();
    Table.counts("EVENT TYPE", answer.getJsonObject("by_event_type")).print(out);
    out.println();
    Table.counts("SEVERITY", answer.getJsonObject("by_severity")).print(out);
  }
}
