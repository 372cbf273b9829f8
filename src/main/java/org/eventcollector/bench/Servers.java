package org.eventcollector.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * The limits' counterparts, run as hidden {@code bench} modes in child JVMs: a trivial HTTP server
 * answering the ingest POSTs without storage, and an echo consumer on the clustered event bus.
 */
final class Servers {

  /** The echo consumer's address (the benchmark's own; the collector never uses it). */
  static final String ECHO = "bench.echo";
  static final String ECHO_READY = "Echo consumer ready";
  private static final Buffer BATCH_ANSWER_PREFIX = Buffer.buffer("{\"collected\":");

  private Servers() {
  }

  /** {@code bench serve-trivial}: parses each POSTed body as JSON and answers like the collector, storing nothing. */
  static void serveTrivial() throws Exception {
    Vertx vertx = Vertx.vertx();
    var server = vertx.createHttpServer(new HttpServerOptions()).requestHandler(request -> request.body().onSuccess(body -> {
      Object value = Json.decodeValue(body);
      String answer;
      if (value instanceof JsonArray array) {
        answer = BATCH_ANSWER_PREFIX.toString() + array.size()
          + ",\"failed\":0,\"duplicates\":0,\"status\":\"batch_completed\",\"errors\":[]}";
      } else {
        JsonObject event = (JsonObject) value;
        String id = event.getString("event_id", UUID.randomUUID().toString());
        answer = new JsonObject().put("event_id", id).put("status", "collected").encode();
      }
      request.response().setStatusCode(201).putHeader("Content-Type", "application/json").end(answer);
    }));
    int port = Load.await(server.listen(0, "127.0.0.1"), 30).actualPort();
    System.out.println("HTTP listening on 127.0.0.1:" + port);
    System.out.flush();
    new CountDownLatch(1).await();
  }

  /** {@code bench serve-echo}: joins the benchmark's cluster and answers every request on {@link #ECHO}. */
  static void serveEcho() throws Exception {
    Vertx vertx = Load.await(Vertx.builder().withClusterManager(new HazelcastClusterManager()).buildClustered(), 120);
    var consumer = vertx.eventBus().consumer(ECHO, message -> {
      Object body = message.body();
      if (body instanceof JsonArray array) {
        message.reply(new JsonObject().put("collected", array.size()).put("status", "batch_completed"));
      } else {
        JsonObject event = (JsonObject) body;
        message.reply(new JsonObject().put("event_id", event.getString("event_id")).put("status", "collected"));
      }
    });
    Load.await(consumer.completion(), 60);
    System.out.println(ECHO_READY);
    System.out.flush();
    new CountDownLatch(1).await();
  }

  /**
   * Writes the Hazelcast configuration of the benchmark's cluster: the project's {@code cluster.xml}
   * (when found in the working directory) with its own cluster name and base port, so the benchmark
   * never joins another cluster on this machine.
   */
  static Path clusterConfig(Path dir) throws IOException {
    Path project = Path.of("cluster.xml");
    String xml = Files.isRegularFile(project) ? Files.readString(project) : DEFAULT_CLUSTER;
    xml = xml.replaceFirst("<cluster-name>[^<]*</cluster-name>",
      "<cluster-name>event-collector-bench-" + ProcessHandle.current().pid() + "</cluster-name>");
    xml = xml.replaceFirst("<port([^>]*)>\\d+</port>", "<port$1>5901</port>");
    // Hazelcast 5 has no top-level <semaphore> (its semaphores live in the CP subsystem) and refuses the file.
    xml = xml.replaceAll("(?s)\\s*<semaphore\\b.*?</semaphore>", "");
    Path file = dir.resolve("bench-cluster.xml");
    Files.writeString(file, xml);
    return file;
  }

  private static final String DEFAULT_CLUSTER = """
    <?xml version="1.0" encoding="UTF-8"?>
    <hazelcast xmlns="http://www.hazelcast.com/schema/config">
      <cluster-name>event-collector</cluster-name>
      <properties>
        <property name="hazelcast.phone.home.enabled">false</property>
        <property name="hazelcast.logging.type">slf4j</property>
        <property name="hazelcast.wait.seconds.before.join">0</property>
      </properties>
      <network>
        <port auto-increment="true" port-count="100">5701</port>
        <join>
          <auto-detection enabled="false"/>
          <multicast enabled="false"/>
          <tcp-ip enabled="true">
            <interface>127.0.0.1</interface>
            <member-list>
              <member>127.0.0.1</member>
            </member-list>
          </tcp-ip>
        </join>
        <interfaces enabled="true">
          <interface>127.0.0.1</interface>
        </interfaces>
      </network>
      <cp-subsystem>
        <cp-member-count>0</cp-member-count>
      </cp-subsystem>
    </hazelcast>
    """;
}
