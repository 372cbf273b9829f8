package org.eventcollector.bench;

import picocli.CommandLine.Command;

/** {@code bench <scenario>}: measures the collector against the limits of this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark the collector.")
public final class BenchCommand {
}
