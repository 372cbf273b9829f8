package org.eventcollector.ingest;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Request bodies as sent, and as meant: {@code Content-Encoding} {@code gzip} and {@code deflate}
 * (and Loki's snappy) undone within a limit. Decompression streams into a buffer that stops at the
 * limit, so a body that would expand past it is refused with 413 after reading at most the limit
 * plus one chunk, never expanded whole.
 */
final class Bodies {

  /** The encodings every ingest route takes; {@code identity} and none mean the body as sent. */
  static final Set<String> HTTP_CODINGS = Set.of("gzip", "x-gzip", "deflate");
  private static final int CHUNK = 64 * 1024;

  private Bodies() {
  }

  /** The request's content coding, lower case; {@code ""} for none or {@code identity}. */
  static String coding(RoutingContext ctx) {
    String value = ctx.request().getHeader("Content-Encoding");
    String coding = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    return coding.equals("identity") ? "" : coding;
  }

  /** Throws a 415 naming the request's {@code Content-Encoding} unless it is none or one of {@code accepted}. */
  static void requireCoding(RoutingContext ctx, Set<String> accepted) {
    String coding = coding(ctx);
    if (!coding.isEmpty() && !accepted.contains(coding)) {
      throw new CodedException(415, "Content-Encoding '" + abbreviate(ctx.request().getHeader("Content-Encoding"))
        + "' is not supported (use gzip or deflate)", "Content-Encoding");
    }
  }

  /** The base media type of the request, lower case, without parameters; {@code ""} when absent. */
  static String mediaType(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    return type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }

  /** The body as sent. */
  static byte[] raw(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    return body == null ? new byte[0] : body.getBytes();
  }

  /** The body with its HTTP content coding undone; 413 past {@code limit} bytes, 400 when it cannot be decoded. */
  static Buffer decoded(RoutingContext ctx, int limit) {
    Buffer body = ctx.body().buffer();
    byte[] bytes = body == null ? new byte[0] : body.getBytes();
    return switch (coding(ctx)) {
      case "gzip", "x-gzip" -> Buffer.buffer(gunzip(bytes, limit));
      case "deflate" -> Buffer.buffer(inflate(bytes, limit));
      default -> body == null ? Buffer.buffer() : body;
    };
  }

  static byte[] gunzip(byte[] bytes, int limit) {
    if (bytes.length == 0) {
      return bytes;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), CHUNK)) {
      return readBounded(in, limit);
    } catch (ZipException | EOFException e) {
      throw CodedException.badRequest(null, "body is not valid gzip: " + e.getMessage());
    } catch (IOException e) {
      throw CodedException.badRequest(null, "body cannot be decompressed: " + e.getMessage());
    }
  }

  /**
   * {@code deflate} as HTTP means it, zlib-wrapped (RFC 1950); a raw deflate stream (RFC 1951),
   * which some clients send instead, is taken too.
   */
  static byte[] inflate(byte[] bytes, int limit) {
    if (bytes.length == 0) {
      return bytes;
    }
    boolean zlib = bytes.length >= 2 && (bytes[0] & 0x0f) == 8 && ((bytes[0] & 0xff) << 8 | (bytes[1] & 0xff)) % 31 == 0;
    Inflater inflater = new Inflater(!zlib);
    try {
      inflater.setInput(bytes);
      Bounded out = new Bounded(limit);
      byte[] chunk = new byte[CHUNK];
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw CodedException.badRequest(null, "body is not a complete deflate stream");
        }
        out.write(chunk, n);
      }
      return out.bytes();
    } catch (DataFormatException e) {
      throw CodedException.badRequest(null, "body is not valid deflate: " + e.getMessage());
    } finally {
      inflater.end();
    }
  }

  /** A snappy block (Loki's protobuf bodies); its length header is checked before anything is expanded. */
  static byte[] unsnappy(byte[] bytes, int limit) {
    try {
      if (bytes.length == 0) {
        return bytes;
      }
      long length = Snappy.uncompressedLength(bytes);
      if (length < 0 || length > limit) {
        throw tooLarge(limit);
      }
      if (!Snappy.isValidCompressedBuffer(bytes)) {
        throw CodedException.badRequest(null, "body is not valid snappy");
      }
      return Snappy.uncompress(bytes);
    } catch (CodedException e) {
      throw e;
    } catch (IOException | RuntimeException | org.xerial.snappy.SnappyError e) {
      throw CodedException.badRequest(null, "body is not valid snappy");
    }
  }

  private static byte[] readBounded(InputStream in, int limit) throws IOException {
    Bounded out = new Bounded(limit);
    byte[] chunk = new byte[CHUNK];
    int n;
    while ((n = in.read(chunk)) > 0) {
      out.write(chunk, n);
    }
    return out.bytes();
  }

  static CodedException tooLarge(int limit) {
    return new CodedException(Failure.TOO_LARGE, "request body is larger than " + limit + " bytes once decompressed", null);
  }

  private static String abbreviate(String value) {
    return value.length() > 64 ? value.substring(0, 64) + "…" : value;
  }

  /** A growing byte array that refuses to pass {@code limit}. */
  private static final class Bounded {
    private final int limit;
    private byte[] bytes = new byte[CHUNK];
    private int size;

    Bounded(int limit) {
      this.limit = limit;
    }

    void write(byte[] chunk, int n) {
      if ((long) size + n > limit) {
        throw tooLarge(limit);
      }
      if (size + n > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, (int) Math.min(limit, Math.max((long) bytes.length * 2, size + n)));
      }
      System.arraycopy(chunk, 0, bytes, size, n);
      size += n;
    }

    byte[] bytes() {
      return java.util.Arrays.copyOf(bytes, size);
    }
  }
}
