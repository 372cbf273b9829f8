package org.eventcollector.bus;

/** A failure with a code from {@link Failure} and, where one is to blame, the field. */
public class CodedException extends RuntimeException {

  private final int code;
  private final String field;

  public CodedException(int code, String message) {
    this(code, message, null);
  }

  public CodedException(int code, String message, String field) {
    super(message, null, false, false);
    this.code = code;
    this.field = field;
  }

  public int code() {
    return code;
  }

  public String field() {
    return field;
  }

  public static CodedException badRequest(String field, String message) {
    return new CodedException(Failure.BAD_REQUEST, message, field);
  }
}
