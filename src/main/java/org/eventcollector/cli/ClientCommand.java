package org.eventcollector.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** One request against the collector, its answer printed as tables (or as is with {@code --json}). */
abstract class ClientCommand implements Callable<Integer> {

  static final int OK = 0;
  static final int SERVER_ERROR = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;

  @Mixin
  ClientOptions client;

  @Spec
  CommandSpec spec;

  /** The REST path, query string excluded. */
  abstract String path();

  /** The query parameters. */
  Map<String, List<String>> params() {
    return new LinkedHashMap<>();
  }

  /** The HTTP method; GET unless a command changes something. */
  String method() {
    return "GET";
  }

  /** The JSON body to send, or null. */
  String body() {
    return null;
  }

  /** Prints the answer for people. */
  abstract void print(JsonObject answer, PrintWriter out);

  /** Whether an answer with this status is still printed (health prints its 503). */
  boolean printsStatus(int status) {
    return status < 400;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Collector.Answer answer;
    try {
      answer = new Collector(client.url, client.apiKey).send(method(), path(), params(), body());
    } catch (IllegalArgumentException e) {
      err.println("events: " + e.getMessage());
      return USAGE;
    } catch (Collector.Unreachable e) {
      err.println("events: " + e.getMessage());
      return UNREACHABLE;
    }
    JsonObject body;
    try {
      body = new JsonObject(answer.body());
    } catch (DecodeException | ClassCastException e) {
      err.println("events: the collector answered HTTP " + answer.status() + " with a body that is not a JSON object");
      return SERVER_ERROR;
    }
    if (!printsStatus(answer.status())) {
      err.println("events: " + body.getString("error", "HTTP " + answer.status())
        + (body.getString("field") == null ? "" : " (" + body.getString("field") + ")")
        + " [HTTP " + answer.status() + "]");
      return answer.status() == 400 ? USAGE : SERVER_ERROR;
    }
    if (client.output != null) {
      try {
        Files.writeString(client.output, body.encodePrettily() + "\n", StandardCharsets.UTF_8);
      } catch (IOException e) {
        err.println("events: cannot write " + client.output + ": " + e.getMessage());
        return USAGE;
      }
    }
    if (client.json) {
      out.println(answer.body());
    } else {
      print(body, out);
    }
    out.flush();
    return answer.status() < 400 ? OK : SERVER_ERROR;
  }

  static void put(Map<String, List<String>> params, String name, Object value) {
    if (value != null) {
      params.put(name, List.of(String.valueOf(value)));
    }
  }

  static void putAll(Map<String, List<String>> params, String name, List<String> values) {
    if (values != null && !values.isEmpty()) {
      params.put(name, List.of(String.join(",", values)));
    }
  }
}
