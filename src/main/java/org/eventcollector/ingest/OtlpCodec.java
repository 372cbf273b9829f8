package org.eventcollector.ingest;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The two encodings of OTLP/HTTP: binary protobuf and the OTLP JSON encoding, which is protobuf's
 * JSON mapping except that trace and span ids are hex, not base64. Requests in, answers out, each
 * in the request's encoding.
 */
final class OtlpCodec {

  static final String PROTOBUF = "application/x-protobuf";
  static final String JSON = "application/json";

  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  private OtlpCodec() {
  }

  static ExportLogsServiceRequest decode(Buffer body, boolean json) {
    if (body.length() == 0) {
      // An empty message is valid protobuf (no records); in JSON it is not even a document.
      if (json) {
        throw CodedException.badRequest(null, "body is empty");
      }
      return ExportLogsServiceRequest.getDefaultInstance();
    }
    return json ? decodeJson(body) : decodeProtobuf(body);
  }

  private static ExportLogsServiceRequest decodeProtobuf(Buffer body) {
    try {
      return ExportLogsServiceRequest.parseFrom(body.getBytes());
    } catch (InvalidProtocolBufferException e) {
      throw CodedException.badRequest(null, "body is not a valid OTLP ExportLogsServiceRequest: " + e.getMessage());
    }
  }

  private static ExportLogsServiceRequest decodeJson(Buffer body) {
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException | IllegalStateException e) {
      throw CodedException.badRequest(null, "body is not valid JSON");
    }
    if (!(value instanceof JsonObject request)) {
      throw CodedException.badRequest(null, "body must be a JSON object (an OTLP ExportLogsServiceRequest)");
    }
    hexIdsToBase64(request);
    ExportLogsServiceRequest.Builder builder = ExportLogsServiceRequest.newBuilder();
    try {
      PARSER.merge(request.encode(), builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw CodedException.badRequest(null, "body is not a valid OTLP ExportLogsServiceRequest: " + e.getMessage());
    }
    return builder.build();
  }

  /** OTLP JSON writes ids in hex where protobuf's JSON mapping expects base64. */
  private static void hexIdsToBase64(JsonObject request) {
    for (Object resource : array(request, "resourceLogs", "resource_logs")) {
      for (Object scope : array(resource, "scopeLogs", "scope_logs")) {
        for (Object record : array(scope, "logRecords", "log_records")) {
          if (record instanceof JsonObject json) {
            for (String key : new String[] {"traceId", "trace_id", "spanId", "span_id"}) {
              if (json.getValue(key) instanceof String hex) {
                json.put(key, base64(key, hex));
              }
            }
          }
        }
      }
    }
  }

  private static String base64(String key, String hex) {
    try {
      return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw CodedException.badRequest(key, key + " must be hex");
    }
  }

  private static JsonArray array(Object parent, String camel, String snake) {
    if (parent instanceof JsonObject json) {
      Object value = json.containsKey(camel) ? json.getValue(camel) : json.getValue(snake);
      if (value instanceof JsonArray array) {
        return array;
      }
    }
    return new JsonArray();
  }

  /** {@code ExportLogsServiceResponse}, with a partial success when {@code rejected} > 0. */
  static Buffer response(boolean json, long rejected, String message) {
    ExportLogsServiceResponse.Builder response = ExportLogsServiceResponse.newBuilder();
    if (rejected > 0) {
      response.setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(rejected).setErrorMessage(message));
    }
    if (!json) {
      return Buffer.buffer(response.build().toByteArray());
    }
    try {
      return Buffer.buffer(PRINTER.print(response), StandardCharsets.UTF_8.name());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A {@code google.rpc.Status} (the body of an OTLP/HTTP error) with the gRPC code matching {@code status}. */
  static Buffer status(boolean json, int status, String message) {
    int code = switch (status) {
      case 400, 413, 415 -> 3; // INVALID_ARGUMENT
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 429 -> 8; // RESOURCE_EXHAUSTED
      case 503 -> 14; // UNAVAILABLE
      default -> 13; // INTERNAL
    };
    if (json) {
      return new JsonObject().put("code", code).put("message", message).toBuffer();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeInt32(1, code);
      out.writeString(2, message);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(bytes.toByteArray());
  }
}
