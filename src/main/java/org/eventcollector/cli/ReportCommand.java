package org.eventcollector.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** {@code events report}: the report of the last N hours. */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Show a report of the last hours.")
final class ReportCommand extends ClientCommand {

  @Option(names = "--hours", defaultValue = "24", description = "Period in hours (1-8760, default ${DEFAULT-VALUE})")
  int hours;

  @Override
  String path() {
    return "/analysis/report";
  }

  @Override
  Map<String, List<String>> params() {
    Map<String, List<String>> params = super.params();
    put(params, "hours", hours);
    return params;
  }

  @Override
  void print(JsonObject answer, PrintWriter out) {
    out.println("Report: last " + answer.getInteger("period_hours") + " hours, " + answer.getLong("total_events") + " events");
    out.println();
    Table.counts("SEVERITY", answer.getJsonObject("severity_distribution")).print(out);
    out.println();
    Table.counts("SOURCE SYSTEM", answer.getJsonObject("system_distribution")).print(out);
    out.println();
    Table.counts("EVENT TYPE", answer.getJsonObject("event_type_distribution")).print(out);
    out.println();
    JsonObject d = answer.getJsonObject("duration_stats", new JsonObject());
    new Table("DURATION (ms)", "COUNT", "MIN", "MAX", "AVG", "P50", "P95", "P99")
      .row("duration_ms", d.getValue("count"), d.getValue("min"), d.getValue("max"), d.getValue("avg"),
        d.getValue("p50"), d.getValue("p95"), d.getValue("p99"))
      .print(out);
    out.println();
    out.println("Recent events:");
    Table.events(answer.getJsonArray("recent_events")).print(out);
  }
}
