package org.eventcollector.ingest;

import org.eventcollector.bus.CodedException;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decompression within a limit, and the Loki label text. */
class BodiesTest {

  private static final int LIMIT = 16 * 1024 * 1024;

  /** Bytes this thread has allocated so far (HotSpot's per-thread counter). */
  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  @Test
  void aGzipBombOf256MiBIsRefusedWithinTheLimitsMemory() throws Exception {
    byte[] bomb = OtlpLogsTest.gzipBomb(256 * 1024 * 1024);
    assertTrue(bomb.length < 2 * 1024 * 1024, "about a thousandth: " + bomb.length);
    long before = allocated();
    CodedException refused = assertThrows(CodedException.class, () -> Bodies.gunzip(bomb, LIMIT));
    long spent = allocated() - before;
    assertEquals(413, refused.code());
    assertTrue(spent < 4L * LIMIT, "allocated " + spent + " bytes to refuse it, not the 256 MiB");
  }

  @Test
  void aDeflateBombIsRefusedAndBothDeflateFormsAreRead() throws Exception {
    for (boolean zlib : new boolean[] {true, false}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DeflaterOutputStream out = new DeflaterOutputStream(bytes, new Deflater(9, !zlib))) {
        byte[] zeros = new byte[1 << 20];
        for (int i = 0; i < 64; i++) {
          out.write(zeros);
        }
      }
      long before = allocated();
      assertEquals(413, assertThrows(CodedException.class, () -> Bodies.inflate(bytes.toByteArray(), LIMIT)).code());
      assertTrue(allocated() - before < 4L * LIMIT);
      assertEquals(64 << 20, Bodies.inflate(bytes.toByteArray(), 64 << 20).length, "read whole when it fits");
    }
    assertEquals(400, assertThrows(CodedException.class, () -> Bodies.inflate(new byte[] {0x78, (byte) 0x9c, 1, 2}, LIMIT)).code());
  }

  @Test
  void snappyIsCheckedByItsHeaderBeforeItIsExpanded() throws Exception {
    byte[] body = Snappy.compress(new byte[1000]);
    assertArrayEquals(new byte[1000], Bodies.unsnappy(body, LIMIT));
    assertEquals(413, assertThrows(CodedException.class, () -> Bodies.unsnappy(body, 999)).code());
    byte[] truncated = java.util.Arrays.copyOf(body, body.length - 2);
    assertEquals(400, assertThrows(CodedException.class, () -> Bodies.unsnappy(truncated, LIMIT)).code());
    assertEquals(400, assertThrows(CodedException.class, () -> Bodies.unsnappy(new byte[] {(byte) 0xff}, LIMIT)).code());
  }

  @Test
  void lokiLabelTextIsParsedWithItsEscapes() {
    assertEquals(Map.of("job", "app", "msg", "a \"quoted\"\nline\\"),
      LokiLabels.parse("{job=\"app\", msg=\"a \\\"quoted\\\"\\nline\\\\\"}", "labels"));
    assertEquals(Map.of(), LokiLabels.parse(" {} ", "labels"));
    for (String bad : new String[] {"", "job=\"app\"", "{job=app}", "{job=\"app\"", "{1job=\"x\"}", "{job=\"a\"} x", "{job=\"\\q\"}"}) {
      assertEquals(400, assertThrows(CodedException.class, () -> LokiLabels.parse(bad, "labels"), bad).code());
    }
  }
}
