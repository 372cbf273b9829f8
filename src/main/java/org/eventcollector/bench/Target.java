package org.eventcollector.bench;

import java.nio.file.Path;

/** A collector under test: where it listens, and the child JVM and SQLite file when the benchmark started it. */
record Target(String host, int port, ChildJvm jvm, Path db) {

  static Target of(String url) {
    java.net.URI uri = java.net.URI.create(url);
    int port = uri.getPort() > 0 ? uri.getPort() : 80;
    return new Target(uri.getHost(), port, null, null);
  }

  String url() {
    return "http://" + host + ":" + port;
  }
}
