package org.eventcollector.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every {@code events} command takes. */
final class ClientOptions {

  @Option(names = "--url", defaultValue = "${env:EC_URL:-http://127.0.0.1:8000}",
    description = "Collector base URL (env EC_URL, default ${DEFAULT-VALUE})")
  String url;

  @Option(names = "--api-key", defaultValue = "${env:EC_API_KEY}", description = "API key (env EC_API_KEY)")
  String apiKey;

  @Option(names = "--json", description = "Print the collector's JSON answer as is")
  boolean json;

  @Option(names = "--output", paramLabel = "FILE", description = "Also write the JSON answer to FILE")
  Path output;
}
