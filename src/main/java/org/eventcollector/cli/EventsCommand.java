package org.eventcollector.cli;

import picocli.CommandLine.Command;

/** {@code events <command>}: the command-line client of a running collector. */
@Command(name = "events", mixinStandardHelpOptions = true, subcommands = {KeysCommand.class}, description = "Query and analyse a running collector.")
public final class EventsCommand {
}
