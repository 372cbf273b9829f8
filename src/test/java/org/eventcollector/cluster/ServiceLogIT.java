package org.eventcollector.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The log of a clustered node through start, requests, a browser tab closing its SockJS connection
 * and SIGTERM: ISO-8601 date-times, the access log, a shutdown line, no WARN or ERROR.
 */
class ServiceLogIT {

  private static final Pattern ISO_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) .*");

  private ClusterFixture cluster;

  @BeforeEach
  void setUp() throws Exception {
    cluster = new ClusterFixture("log");
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  @Test
  void aNormalRunLogsDatedLinesAnAccessLogAndItsShutdownWithoutWarnings() throws Exception {
    ClusterFixture.Node node = cluster.start("solo", "ingest,stream,storage,ratelimit,analysis",
      new java.util.HashMap<>(Map.of("EC_STORAGE", "memory", "EC_HTTP_ACCESS_LOG", "true")));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base = "http://127.0.0.1:" + node.port;
    HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/events"))
      .header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString("{\"source_system\": \"akosha\", \"event_type\": \"logged\"}")).build(),
      HttpResponse.BodyHandlers.ofString());
    assertEquals(201, posted.statusCode());
    assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/health?api_key=do-not-log-me")).build(),
      HttpResponse.BodyHandlers.ofString()).statusCode());
    // Browser tabs that close while their SockJS transports are open.
    for (String transport : List.of("xhr_streaming", "eventsource", "websocket")) {
      closeAbruptly(node.port, transport);
    }
    assertEquals(201, http.send(HttpRequest.newBuilder(URI.create(base + "/events"))
      .header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString("{\"source_system\": \"akosha\", \"event_type\": \"after.close\"}")).build(),
      HttpResponse.BodyHandlers.ofString()).statusCode());
    node.await(Pattern.compile("(?s)(\"POST /events HTTP/1.1\" 201.*){2}"), 30);
    assertTrue(node.stop(30), "the node stops on SIGTERM");
    String log = node.logText();
    for (String line : log.split("\n")) {
      assertTrue(ISO_LINE.matcher(line).matches(), "not an ISO-8601 log line: " + line + "\n" + log);
      assertFalse(line.contains(" WARN ") || line.contains(" ERROR "), "a normal run logged: " + line + "\n" + log);
    }
    assertTrue(log.contains("\"GET /health?api_key=*** HTTP/1.1\" 200"), log);
    assertFalse(log.contains("do-not-log-me"), log);
    assertTrue(log.contains("Shutting down"), log);
    assertTrue(Pattern.compile("Stopped in \\d+ ms").matcher(log).find(), log);
  }

  /** Opens a SockJS session over {@code transport} from a raw socket, reads its first bytes, then drops the connection. */
  private static void closeAbruptly(int port, String transport) throws Exception {
    String session = Long.toHexString(System.nanoTime());
    String request = switch (transport) {
      case "xhr_streaming" -> "POST /eventbus/000/" + session + "/xhr_streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
      case "eventsource" -> "GET /eventbus/000/" + session + "/eventsource HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      default -> "GET /eventbus/000/" + session + "/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    };
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      assertTrue(in.read(buffer) > 0, transport + " answered nothing");
      socket.setSoLinger(true, 0);
    }
  }
}
