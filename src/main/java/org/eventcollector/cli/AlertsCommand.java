package org.eventcollector.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code events alerts list|show|add|silence}: the alert rules of {@code /alerts}. */
@Command(name = "alerts", mixinStandardHelpOptions = true, description = "List, show, add and silence alert rules.",
  subcommands = {AlertsCommand.ListRules.class, AlertsCommand.Show.class, AlertsCommand.Add.class, AlertsCommand.Silence.class})
final class AlertsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("events alerts: a command is required (list, show, add, silence)");
    spec.commandLine().usage(spec.commandLine().getErr());
    return ClientCommand.USAGE;
  }

  static Table table() {
    return new Table("NAME", "KIND", "STATE", "SINCE", "VALUE", "EVERY");
  }

  static void row(Table table, JsonObject rule) {
    JsonObject state = rule.getJsonObject("state", new JsonObject());
    table.row(rule.getString("name"), rule.getString("kind"), state.getString("state"), state.getString("since", "-"),
      state.getValue("value") == null ? "-" : state.getValue("value"), rule.getValue("every_seconds") + "s");
  }

  /** {@code events alerts list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every rule with its state.")
  static final class ListRules extends ClientCommand {
    @Override
    String path() {
      return "/alerts";
    }

    @Override
    void print(JsonObject answer, PrintWriter out) {
      Table table = table();
      answer.getJsonArray("alerts", new JsonArray()).forEach(rule -> row(table, (JsonObject) rule));
      table.print(out);
    }
  }

  /** {@code events alerts show NAME}. */
  @Command(name = "show", mixinStandardHelpOptions = true, description = "One rule: its fields and state.")
  static final class Show extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "The rule")
    String name;

    @Override
    String path() {
      return "/alerts/" + Collector.path(name);
    }

    @Override
    void print(JsonObject answer, PrintWriter out) {
      Table table = new Table("FIELD", "VALUE");
      answer.forEach(field -> {
        if (!field.getKey().equals("state")) {
          table.row(field.getKey(), field.getValue());
        }
      });
      answer.getJsonObject("state", new JsonObject()).forEach(field -> table.row("state." + field.getKey(), field.getValue()));
      table.print(out);
    }
  }

  /** {@code events alerts add NAME --kind K ...}: stores (or replaces) a rule. */
  @Command(name = "add", mixinStandardHelpOptions = true, description = "Store a rule (scope admin).")
  static final class Add extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "The rule's name ([a-z0-9_-]{1,64})")
    String name;

    @Option(names = "--kind", required = true, description = "threshold, absence, anomaly or new_error_group")
    String kind;

    @Option(names = "--query", description = "A saved query's name, or query parameters as a JSON object")
    String query;

    @Option(names = "--window-minutes", description = "The window (threshold, absence, new_error_group)")
    Integer windowMinutes;

    @Option(names = "--every-seconds", description = "How often to evaluate (1-3600, default 60)")
    Integer everySeconds;

    @Option(names = "--op", description = "threshold: >= (default) or <=")
    String op;

    @Option(names = "--value", description = "threshold: the count compared")
    Double value;

    @Option(names = "--sigma", description = "anomaly: standard deviations (default 3)")
    Double sigma;

    @Option(names = "--days", description = "anomaly: days compared (default 7); new_error_group: days looked back (default 30)")
    Integer days;

    @Option(names = "--description", description = "What the rule is for")
    String description;

    @Override
    String method() {
      return "PUT";
    }

    @Override
    String path() {
      return "/alerts/" + Collector.path(name);
    }

    @Override
    String body() {
      JsonObject rule = new JsonObject().put("kind", kind);
      if (query != null) {
        if (query.trim().startsWith("{")) {
          try {
            rule.put("query", new JsonObject(query));
          } catch (DecodeException e) {
            throw new IllegalArgumentException("--query is neither a saved query's name nor a JSON object");
          }
        } else {
          rule.put("query", query);
        }
      }
      putIf(rule, "window_minutes", windowMinutes);
      putIf(rule, "every_seconds", everySeconds);
      putIf(rule, "op", op);
      putIf(rule, "value", integral(value));
      putIf(rule, "sigma", integral(sigma));
      putIf(rule, "days", days);
      putIf(rule, "description", description);
      return rule.encode();
    }

    @Override
    void print(JsonObject answer, PrintWriter out) {
      Table table = table();
      row(table, answer);
      table.print(out);
    }
  }

  /** {@code events alerts silence NAME --minutes N}. */
  @Command(name = "silence", mixinStandardHelpOptions = true, description = "No notifications from a rule for a while (scope admin).")
  static final class Silence extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "The rule")
    String name;

    @Option(names = "--minutes", required = true, description = "How long (1-10080)")
    int minutes;

    @Override
    String method() {
      return "POST";
    }

    @Override
    String path() {
      return "/alerts/" + Collector.path(name) + "/silence";
    }

    @Override
    String body() {
      return new JsonObject().put("minutes", minutes).encode();
    }

    @Override
    void print(JsonObject answer, PrintWriter out) {
      Table table = table();
      row(table, answer);
      table.print(out);
      out.println("silenced until " + answer.getJsonObject("state", new JsonObject()).getString("until", "-"));
    }
  }

  private static void putIf(JsonObject object, String field, Object value) {
    if (value != null) {
      object.put(field, value);
    }
  }

  private static Object integral(Double value) {
    return value == null ? null : value == Math.rint(value) ? (Object) value.longValue() : value;
  }
}
