package org.eventcollector.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Map;

/** {@code events health}: the collector's {@code /health}; exit 1 when it is unhealthy. */
@Command(name = "health", mixinStandardHelpOptions = true, description = "Check the collector's health.")
final class HealthCommand extends ClientCommand {

  @Override
  String path() {
    return "/health";
  }

  @Override
  boolean printsStatus(int status) {
    return status < 400 || status == 503;
  }

  @Override
  void print(JsonObject answer, PrintWriter out) {
    out.println("Status: " + answer.getString("status"));
    for (String part : new String[] {"collector", "storage"}) {
      JsonObject section = answer.getJsonObject(part);
      if (section == null) {
        continue;
      }
      out.println();
      Table table = new Table(part.toUpperCase(java.util.Locale.ROOT), "VALUE");
      for (Map.Entry<String, Object> entry : section) {
        table.row(entry.getKey(), entry.getValue() instanceof JsonObject nested ? nested.encode() : entry.getValue());
      }
      table.print(out);
    }
  }
}
