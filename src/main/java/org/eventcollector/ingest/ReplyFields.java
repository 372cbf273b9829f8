package org.eventcollector.ingest;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;

/**
 * A 400 that comes back over the bus carries only a message. When that message begins with the
 * name of a field of the request ({@code "per_second must be …"}), the REST answer names it.
 */
final class ReplyFields {

  private ReplyFields() {
  }

  static Throwable named(Throwable error, JsonObject request) {
    if (!(error instanceof ReplyException reply) || reply.failureCode() != Failure.BAD_REQUEST || reply.getMessage() == null) {
      return error;
    }
    String message = reply.getMessage();
    int end = 0;
    while (end < message.length() && (Character.isLetterOrDigit(message.charAt(end)) || message.charAt(end) == '_')) {
      end++;
    }
    String first = message.substring(0, end);
    if (!first.isEmpty() && request.containsKey(first)) {
      return CodedException.badRequest(first, message);
    }
    return error;
  }
}
