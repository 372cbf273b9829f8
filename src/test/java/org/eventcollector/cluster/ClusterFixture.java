package org.eventcollector.cluster;

import com.hazelcast.config.FileSystemXmlConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real collector JVMs on loopback for the integration tests: each test class gets its own cluster
 * name and port range (from the project's cluster.xml), so runs never join each other. Nodes are
 * started with {@code java -jar} in a directory of their own and stopped by their process handle.
 */
final class ClusterFixture implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("HTTP listening on ([^\\s:]+):(\\d+)");

  final Path dir;
  final Path clusterXml;
  private final List<Node> nodes = new ArrayList<>();
  private Vertx vertx;

  ClusterFixture(String name) throws IOException {
    dir = Files.createTempDirectory("ec-" + name + "-");
    String template = Files.readString(Path.of("cluster.xml"));
    int port = 10_000 + ThreadLocalRandom.current().nextInt(1000) * 20;
    String xml = replace(template, "<cluster-name>event-collector</cluster-name>",
      "<cluster-name>ec-it-" + name + "-" + port + "</cluster-name>");
    xml = replace(xml, "port-count=\"100\">5701</port>", "port-count=\"20\">" + port + "</port>");
    xml = replace(xml, "<property name=\"hazelcast.tcp.join.port.try.count\">10</property>",
      "<property name=\"hazelcast.tcp.join.port.try.count\">20</property>");
    clusterXml = dir.resolve("cluster.xml");
    Files.writeString(clusterXml, xml);
  }

  private static String replace(String text, String from, String to) {
    if (!text.contains(from)) {
      throw new IllegalStateException("cluster.xml no longer holds " + from);
    }
    return text.replace(from, to);
  }

  /** The SQLite file shared by the storage nodes of this cluster. */
  Path dbPath() {
    return dir.resolve("db").resolve("events.db");
  }

  /** Starts a node with {@code roles} and waits for its HTTP port. */
  Node start(String name, String roles, Map<String, String> env) throws Exception {
    Path work = Files.createDirectories(dir.resolve(name));
    Path log = work.resolve("node.log");
    String jar = Path.of(System.getProperty("collector.jar", "target/event-collector.jar")).toAbsolutePath().toString();
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Dvertx.hazelcast.config=" + clusterXml, "-jar", jar, "--cluster", "--roles", roles)
      .directory(work.toFile())
      .redirectErrorStream(true)
      .redirectOutput(log.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(key -> key.startsWith("EC_"));
    environment.put("EC_HTTP_PORT", "0");
    environment.put("EC_DB_PATH", dbPath().toString());
    environment.putAll(env);
    Node node = new Node(name, builder.start(), log);
    nodes.add(node);
    Matcher listening = node.await(LISTENING, 90);
    node.port = Integer.parseInt(listening.group(2));
    return node;
  }

  Node start(String name, String roles) throws Exception {
    return start(name, roles, new HashMap<>());
  }

  /** A plain clustered Vert.x in this JVM, joined to the test cluster: the ecosystem service's view. */
  Vertx joinCluster() throws Exception {
    vertx = Vertx.builder()
      .withClusterManager(new HazelcastClusterManager(new FileSystemXmlConfig(clusterXml.toFile())))
      .buildClustered().await(60, TimeUnit.SECONDS);
    return vertx;
  }

  WebClient web() {
    return WebClient.create(vertx);
  }

  @Override
  public void close() throws Exception {
    if (vertx != null) {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
    for (Node node : nodes) {
      node.kill();
    }
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  /** A collector JVM. */
  static final class Node {
    final String name;
    final Process process;
    final Path log;
    int port;

    Node(String name, Process process, Path log) {
      this.name = name;
      this.process = process;
      this.log = log;
    }

    /** Waits until a line of the log matches {@code pattern}; fails if the node dies or time runs out. */
    Matcher await(Pattern pattern, int seconds) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        String text = Files.exists(log) ? Files.readString(log) : "";
        Matcher matcher = pattern.matcher(text);
        if (matcher.find()) {
          return matcher;
        }
        if (!process.isAlive()) {
          throw new IllegalStateException("node " + name + " exited with " + process.exitValue() + ":\n" + text);
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("node " + name + " did not log /" + pattern + "/ within " + seconds + " s:\n"
        + Files.readString(log));
    }

    String logText() throws IOException {
      return Files.readString(log);
    }

    /** SIGKILL, by this process's own handle. */
    void kill() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }

    /** SIGTERM, then waits for the graceful shutdown. */
    boolean stop(int seconds) throws InterruptedException {
      process.destroy();
      return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    JsonObject describe() {
      return new JsonObject().put("name", name).put("pid", process.pid()).put("port", port);
    }
  }
}
