package org.eventcollector.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** {@code events analyze-errors}: errors of the last N hours by type, system, component and group. */
@Command(name = "analyze-errors", mixinStandardHelpOptions = true, description = "Analyse the errors of the last hours.")
final class AnalyzeErrorsCommand extends ClientCommand {

  @Option(names = "--hours", defaultValue = "24", description = "Period in hours (1-8760, default ${DEFAULT-VALUE})")
  int hours;

  @Override
  String path() {
    return "/analysis/errors";
  }

  @Override
  Map<String, List<String>> params() {
    Map<String, List<String>> params = super.params();
    put(params, "hours", hours);
    return params;
  }

  @Override
  void print(JsonObject answer, PrintWriter out) {
    out.println("Errors in the last " + hours + " hours: " + answer.getLong("total_errors")
      + " (" + answer.getLong("critical_errors") + " critical)");
    out.println();
    Table.counts("EVENT TYPE", answer.getJsonObject("errors_by_type")).print(out);
    out.println();
    Table.counts("SOURCE SYSTEM", answer.getJsonObject("errors_by_system")).print(out);
    out.println();
    Table.counts("COMPONENT", answer.getJsonObject("errors_by_component")).print(out);
    out.println();
    out.println("Top error groups:");
    Table groups = new Table("COUNT", "FIRST SEEN", "LAST SEEN", "SYSTEM", "TYPE", "FINGERPRINT", "PATTERN");
    for (Object item : answer.getJsonArray("error_groups", new JsonArray())) {
      JsonObject g = (JsonObject) item;
      groups.row(g.getValue("count"), g.getString("first_seen"), g.getString("last_seen"), g.getString("source_system"),
        g.getString("event_type"), g.getString("fingerprint"), g.getString("pattern"));
    }
    groups.print(out);
    out.println();
    out.println("Recent errors:");
    Table.events(answer.getJsonArray("recent_errors")).print(out);
  }
}
