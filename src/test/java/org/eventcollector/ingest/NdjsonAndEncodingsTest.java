package org.eventcollector.ingest;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NDJSON batches and gzip / deflate bodies on {@code POST /events} and {@code /events/batch}. */
class NdjsonAndEncodingsTest {

  @TempDir
  Path dir;
  TestCollector collector;

  @BeforeEach
  void start() {
    collector = TestCollector.start(TestCollector.config(dir, "sqlite"));
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  static String event(String system, String type) {
    return new JsonObject().put("source_system", system).put("event_type", type).encode();
  }

  static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  static byte[] deflate(String text, boolean zlib) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DeflaterOutputStream out = new DeflaterOutputStream(bytes, new Deflater(Deflater.DEFAULT_COMPRESSION, !zlib))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  Response post(String path, byte[] body, String type, Map<String, String> headers) {
    return collector.send(HttpMethod.POST, path, Buffer.buffer(body), type, headers);
  }

  long count(String query) {
    return collector.get("/events/count" + query).json().getLong("count");
  }

  @Test
  void ndjsonBatchFailsABadLineAloneAtItsIndexAmongTheNonEmptyLines() {
    String body = event("akosha", "a.one") + "\n\n" + "{not json\r\n" + "  \n" + event("nobody", "a.two") + "\n"
      + event("akosha", "a.three");
    Response response = post("/events/batch", body.getBytes(StandardCharsets.UTF_8), "application/x-ndjson", Map.of());
    assertEquals(201, response.status(), response.toString());
    JsonObject answer = response.json();
    assertEquals(2, answer.getInteger("collected"));
    assertEquals(2, answer.getInteger("failed"));
    JsonArray errors = answer.getJsonArray("errors");
    assertEquals(1, errors.getJsonObject(0).getInteger("index"));
    assertEquals("line is not valid JSON", errors.getJsonObject(0).getString("error"));
    assertEquals(2, errors.getJsonObject(1).getInteger("index"));
    assertEquals("source_system", errors.getJsonObject(1).getString("field"));
    assertEquals(2, count("?source_system=akosha"));

    assertEquals(400, post("/events/batch", "\n \n".getBytes(StandardCharsets.UTF_8), "application/x-ndjson", Map.of()).status());
    String tooMany = (event("akosha", "many") + "\n").repeat(1001);
    assertEquals(413, post("/events/batch", tooMany.getBytes(StandardCharsets.UTF_8), "application/x-ndjson", Map.of()).status());
    assertEquals(415, post("/events", event("akosha", "x").getBytes(StandardCharsets.UTF_8), "application/x-ndjson", Map.of()).status());
  }

  @Test
  void gzipAndDeflateBodiesAreDecompressed() throws Exception {
    Response single = post("/events", gzip(event("oneiric", "gz.single")), "application/json", Map.of("Content-Encoding", "gzip"));
    assertEquals(201, single.status(), single.toString());
    String batch = new JsonArray().add(new JsonObject(event("oneiric", "zlib.batch"))).encode();
    assertEquals(201, post("/events/batch", deflate(batch, true), "application/json", Map.of("Content-Encoding", "deflate")).status());
    Response raw = post("/events", deflate(event("oneiric", "raw.deflate"), false), "application/json",
      Map.of("Content-Encoding", "deflate"));
    assertEquals(201, raw.status(), raw.toString());
    Response ndjson = post("/events/batch", gzip(event("oneiric", "gz.nd1") + "\n" + event("oneiric", "gz.nd2") + "\n"),
      "application/x-ndjson", Map.of("Content-Encoding", "gzip"));
    assertEquals(2, ndjson.json().getInteger("collected"));
    assertEquals(5, count("?source_system=oneiric"), collector.get("/events?source_system=oneiric").body().toString());
  }

  @Test
  void curlSendsAGzipFileAndAnNdjsonFile() throws Exception {
    Path gz = dir.resolve("events.json.gz");
    Files.write(gz, gzip(new JsonArray().add(new JsonObject(event("crackerjack", "curl.gz"))).encode()));
    Path nd = dir.resolve("events.ndjson");
    Files.writeString(nd, event("crackerjack", "curl.nd") + "\n" + "oops\n" + event("crackerjack", "curl.nd2") + "\n");
    String url = "http://127.0.0.1:" + collector.port() + "/events/batch";
    JsonObject gzAnswer = new JsonObject(curl("--data-binary", "@" + gz, "-H", "Content-Type: application/json",
      "-H", "Content-Encoding: gzip", url));
    assertEquals(1, gzAnswer.getInteger("collected"));
    JsonObject ndAnswer = new JsonObject(curl("--data-binary", "@" + nd, "-H", "Content-Type: application/x-ndjson", url));
    assertEquals(2, ndAnswer.getInteger("collected"));
    assertEquals(1, ndAnswer.getJsonArray("errors").getJsonObject(0).getInteger("index"), ndAnswer.encode());
    assertEquals(3, count("?source_system=crackerjack"));
  }

  String curl(String... args) throws Exception {
    String[] command = new String[args.length + 3];
    command[0] = "curl";
    command[1] = "-sS";
    command[2] = "--max-time";
    System.arraycopy(args, 0, command, 3, args.length);
    String[] full = new String[command.length + 1];
    System.arraycopy(command, 0, full, 0, 3);
    full[3] = "20";
    System.arraycopy(command, 3, full, 4, args.length);
    Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "curl finished");
    assertEquals(0, process.exitValue(), output);
    return output;
  }

  @Test
  void aBombIs413AndAnUnknownEncoding415NamingIt() throws Exception {
    byte[] bomb = OtlpLogsTest.gzipBomb(17 * 1024 * 1024);
    assertTrue(bomb.length < 32 * 1024, "a small body: " + bomb.length);
    Response batch = post("/events/batch", bomb, "application/json", Map.of("Content-Encoding", "gzip"));
    assertEquals(413, batch.status(), batch.toString());
    // The single-event limit (64 KiB) counts decompressed bytes too.
    Response single = post("/events", OtlpLogsTest.gzipBomb(128 * 1024), "application/json", Map.of("Content-Encoding", "gzip"));
    assertEquals(413, single.status());

    Response br = post("/events", event("akosha", "x").getBytes(StandardCharsets.UTF_8), "application/json",
      Map.of("Content-Encoding", "br"));
    assertEquals(415, br.status());
    assertTrue(br.json().getString("error").contains("'br'"), br.toString());
    assertEquals("Content-Encoding", br.json().getString("field"));

    Response truncated = post("/events", java.util.Arrays.copyOf(gzip(event("akosha", "x")), 20), "application/json",
      Map.of("Content-Encoding", "gzip"));
    assertEquals(400, truncated.status(), truncated.toString());
    Response notGzip = post("/events", event("akosha", "x").getBytes(StandardCharsets.UTF_8), "application/json",
      Map.of("Content-Encoding", "gzip"));
    assertEquals(400, notGzip.status());
    assertEquals(0, count(""));
  }
}
