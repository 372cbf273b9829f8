package org.eventcollector.bus;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Reply failure codes. They match the HTTP status of the same failure, so a bus client and a REST
 * client see the same number.
 */
public final class Failure {

  public static final int BAD_REQUEST = 400;
  public static final int UNAUTHORIZED = 401;
  public static final int FORBIDDEN = 403;
  public static final int NOT_FOUND = 404;
  public static final int TOO_LARGE = 413;
  public static final int RATE_LIMITED = 429;
  public static final int INTERNAL = 500;
  public static final int UNAVAILABLE = 503;

  private Failure() {
  }

  /** Replies to {@code message} with the code and message of {@code error}. */
  public static void reply(Message<?> message, Throwable error) {
    message.fail(codeOf(error), messageOf(error));
  }

  /** The HTTP status for a failure: reply codes pass through, timeouts and missing handlers are 503. */
  public static int codeOf(Throwable error) {
    if (error instanceof CodedException coded) {
      return coded.code();
    }
    if (error instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        int code = reply.failureCode();
        return code >= 400 && code < 600 ? code : INTERNAL;
      }
      return UNAVAILABLE;
    }
    return INTERNAL;
  }

  /** The client-facing message of a failure. */
  public static String messageOf(Throwable error) {
    if (error instanceof ReplyException reply && reply.failureType() != ReplyFailure.RECIPIENT_FAILURE) {
      return reply.failureType() == ReplyFailure.TIMEOUT ? "storage unavailable: timed out" : "storage unavailable: no handler";
    }
    String message = error.getMessage();
    return message == null ? error.getClass().getSimpleName() : message;
  }
}
