package org.eventcollector.bench;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --storage postgres}: {@code ingest-batch}, {@code ingest-http} and {@code query} against
 * a Hazelcast cluster of collector JVMs on one PostgreSQL server. The topology: one front node
 * with the roles {@code ingest, stream, ratelimit, analysis} (which the load talks to over HTTP,
 * and which lives for the whole run) and {@code N} storage-only nodes ({@code --storage-nodes}),
 * started for each measured variant on a fresh database and stopped after it; the bus spreads
 * the front node's writes and queries over them. The limit of {@code ingest-batch} is
 * {@link PlainPg}: the same batches through vertx-pg-client into the same schema, in the same run.
 */
final class PgScenarios implements AutoCloseable {

  private static final String FRONT_ROLES = "ingest,stream,ratelimit,analysis";

  private final Scenarios run;
  private final BenchCommand options;
  private PgServer server;
  private List<String> clusterJvm;
  private Target front;
  private final List<ChildJvm> storage = new ArrayList<>();
  private int started;

  PgScenarios(Scenarios run) {
    this.run = run;
    this.options = run.options;
  }

  void run(String name) throws Exception {
    switch (name) {
      case "ingest-batch" -> ingestBatch();
      case "ingest-http" -> ingestHttp();
      case "query" -> query();
      default -> throw new IllegalArgumentException(name + " does not run with --storage postgres");
    }
  }

  private PgServer server() throws Exception {
    if (server == null) {
      String url = options.pgUrl();
      server = url != null ? PgServer.at(run.vertx, url, options.pgPassword()) : PgServer.start(run.vertx);
      run.say(server.describe());
      if (options.url == null) {
        run.say("topology: one front node (" + FRONT_ROLES + ") and " + nodes(options.storageNodes)
          + " storage-only node(s), clustered over Hazelcast on loopback; a fresh database per variant");
      }
    }
    return server;
  }

  private static String nodes(List<Integer> counts) {
    return String.join(" or ", counts.stream().map(String::valueOf).toList());
  }

  /** The counts of storage nodes to measure, or a single pass ({@code 0}) against {@code --url}. */
  private List<Integer> variants() {
    return options.url != null ? List.of(0) : options.storageNodes;
  }

  private static String label(int nodes) {
    return nodes == 0 ? "postgres, --url" : "postgres, " + nodes + (nodes == 1 ? " storage node" : " storage nodes");
  }

  // ---- the cluster

  /** The front node, started once (awaited in {@link #cluster}, so it starts beside the first storage nodes). */
  private ChildJvm startFront() throws Exception {
    Path cluster = Servers.clusterConfig(run.dir);
    clusterJvm = new ArrayList<>(Scenarios.HAZELCAST_JVM_OPTIONS);
    clusterJvm.add("-Dvertx.hazelcast.config=" + cluster);
    return run.startChild("collector-pg-front", null, List.of("--cluster", "--roles", FRONT_ROLES), clusterJvm,
      Map.of("EC_STORAGE", "postgres"));
  }

  /**
   * The target of a variant: the {@code --url} collector, or the front node once {@code nodes}
   * storage-only nodes on {@code database} serve it (the storage nodes of the variant before are
   * stopped first).
   */
  private Target cluster(int nodes, String database) throws Exception {
    if (nodes == 0) {
      return Target.of(options.url);
    }
    stopStorage();
    ChildJvm starting = front == null ? startFront() : null;
    Map<String, String> env = Map.of("EC_STORAGE", "postgres", "EC_PG_URL", database,
      "EC_PG_PASSWORD", server.password() == null ? "" : server.password());
    for (int n = 0; n < nodes; n++) {
      storage.add(run.startChild("collector-pg-storage-" + (++started), null, List.of("--cluster", "--roles", "storage"),
        clusterJvm, env));
    }
    if (starting != null) {
      front = new Target("127.0.0.1", Integer.parseInt(starting.awaitReady(180)), starting, null);
    }
    for (ChildJvm node : storage) {
      node.awaitReady(180);
    }
    awaitStorage(front, nodes);
    return front;
  }

  /**
   * Waits until the front node's queries are answered {@code 4 × nodes} times in a row, so that
   * every storage node's consumers have reached the front node's view of the cluster.
   */
  private void awaitStorage(Target target, int nodes) throws Exception {
    HttpClient client = Load.client(run.vertx, target, 1);
    try {
      long deadline = System.nanoTime() + 120_000_000_000L;
      int inRow = 0;
      String last = null;
      while (inRow < 4 * nodes) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the storage nodes did not answer the front node in 120 s: " + last);
        }
        try {
          Load.await(Load.send(client, HttpMethod.GET, "/events/count", null), 35);
          inRow++;
        } catch (Exception e) {
          inRow = 0;
          last = e.getMessage();
          Thread.sleep(200);
        }
      }
    } finally {
      client.close();
    }
  }

  private void stopStorage() {
    for (ChildJvm node : storage) {
      node.close();
      run.children.remove(node);
    }
    storage.clear();
  }

  // ---- ingest-batch

  private void ingestBatch() throws Exception {
    for (int size : options.batchSizes) {
      Latencies limitLatency = new Latencies();
      Load.Outcome limit;
      String rows;
      try (PlainPg plain = PlainPg.open(run.vertx, server().newDatabase(), server.password(), options.batchConnections)) {
        rows = plain.describe();
        limit = plain.batchedInsertRate(run.vertx, size, options.batchConnections, options.events, options.seconds, limitLatency);
      }
      run.say(String.format(Locale.ROOT, "limit, batches of %d: %,.0f events/s into %s", size, limit.perSecond(size), rows));
      for (int nodes : variants()) {
        Target target = cluster(nodes, server.newDatabase());
        long calls = Math.max(2, options.events / size);
        // The front node and every new storage node start cold (JIT); a tenth of the load warms them.
        run.batches(target, size, options.batchConnections, Math.max(2, calls / 10), null);
        Latencies latency = new Latencies();
        Load.Outcome ours = run.batches(target, size, options.batchConnections, calls, latency);
        run.results.add(Result.rate("ingest-batch", "POST /events/batch of " + size + ", " + options.batchConnections
            + " connections, " + label(nodes), ours.perSecond(size), limit.perSecond(size), latency,
          Scenarios.join("limit: plain vertx-pg-client, the same batches of " + size + " as multi-row INSERTs into the"
            + " collector's schema, one transaction per batch, " + options.batchConnections + " in flight, p50/p99 "
            + BenchCommand.format(limitLatency.percentileMs(50)) + "/" + BenchCommand.format(limitLatency.percentileMs(99))
            + " ms", ours.errors(), limit.errors())));
      }
    }
    stopStorage();
  }

  // ---- ingest-http

  private void ingestHttp() throws Exception {
    Target trivial = run.trivial();
    for (int connections : options.connections) {
      Latencies singleLatency = new Latencies();
      Load.Outcome single;
      try (PlainPg plain = PlainPg.open(run.vertx, server().newDatabase(), server.password(), connections)) {
        single = plain.batchedInsertRate(run.vertx, 1, connections, options.events, Math.min(options.seconds, 10), singleLatency);
      }
      for (int nodes : variants()) {
        Target target = cluster(nodes, server.newDatabase());
        Latencies limitLatency = new Latencies();
        Load.Outcome base = run.singlePosts(trivial, connections, limitLatency);
        Latencies latency = new Latencies();
        Load.Outcome ours = run.singlePosts(target, connections, latency);
        run.results.add(Result.rate("ingest-http", "POST /events, " + connections + " connections, " + label(nodes),
          ours.perSecond(1), base.perSecond(1), latency, Scenarios.join("limit: trivial Vert.x server, p50/p99 "
            + BenchCommand.format(limitLatency.percentileMs(50)) + "/" + BenchCommand.format(limitLatency.percentileMs(99))
            + " ms; plain vertx-pg-client, one event per transaction on " + connections + " connections: "
            + BenchCommand.format(single.perSecond(1)) + " events/s, p50/p99 " + BenchCommand.format(singleLatency.percentileMs(50))
            + "/" + BenchCommand.format(singleLatency.percentileMs(99)) + " ms", ours.errors(), base.errors(), single.errors())));
      }
    }
    stopStorage();
  }

  // ---- query

  private void query() throws Exception {
    if (options.url != null) {
      run.queryShapes(Target.of(options.url), "stored events", Long.MAX_VALUE / 2, System.currentTimeMillis());
      return;
    }
    String database = server().newDatabase();
    long end = System.currentTimeMillis();
    long filled = 0;
    try (PlainPg plain = PlainPg.open(run.vertx, database, server.password(), 2)) {
      for (long size : options.querySizes) {
        long began = System.nanoTime();
        plain.fill(run.vertx, filled, size, end);
        double secs = (System.nanoTime() - began) / 1e9;
        run.say(String.format(Locale.ROOT, "filled %,d events with plain vertx-pg-client in %.1f s (%,.0f events/s),"
          + " indexes built after", size - filled, secs, (size - filled) / secs));
        filled = size;
        for (int nodes : options.storageNodes) {
          Target target = cluster(nodes, database);
          run.queryShapes(target, String.format(Locale.ROOT, "%,d events, %s", size, label(nodes)), size, end);
        }
      }
    } finally {
      stopStorage();
    }
  }

  @Override
  public void close() {
    stopStorage();
    if (front != null) {
      run.stop(front);
      front = null;
    }
    if (server != null) {
      server.close();
    }
  }
}
