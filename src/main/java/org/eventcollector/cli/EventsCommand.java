package org.eventcollector.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code events <command>}: the command-line client of a running collector. Exit codes: 0 ok,
 * 1 server error, 2 bad usage (unknown command or flag, or a value the collector refuses with 400),
 * 3 collector unreachable.
 */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Query and analyse a running collector.",
  subcommands = {
    QueryCommand.class,
    TraceCommand.class,
    StatsCommand.class,
    ReportCommand.class,
    AnalyzeErrorsCommand.class,
    HealthCommand.class,
    KeysCommand.class,
    AlertsCommand.class,
  })
public final class EventsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("events: a command is required");
    spec.commandLine().usage(spec.commandLine().getErr());
    return ClientCommand.USAGE;
  }
}
