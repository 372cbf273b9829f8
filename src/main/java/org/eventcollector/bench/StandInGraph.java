package org.eventcollector.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The knowledge graph of {@link StandInMcpServer}, with the tools and answers of Session-Buddy's
 * {@code session_buddy/mcp/tools/collaboration/knowledge_graph_tools.py} over its DuckDB adapter
 * ({@code session_buddy/adapters/knowledge_graph_adapter_oneiric.py}), as read at revision
 * a2e4633e83e3c536d1bf2c7aa8d3cacf1494ec97 of {@code lesleslie/session-buddy}:
 * <ul>
 *   <li>every answer is plain text; an exception becomes {@code ❌ <Operation> failed: <message>};</li>
 *   <li>an entity gets a UUID; a name is checked, then inserted ({@code idx_entities_name} is not
 *   unique): "Entity with name 'X' already exists";</li>
 *   <li>{@code create_relation} resolves both ends (by name, then by id) and stores their ids; there
 *   is no uniqueness, so the same relation made twice is there twice;</li>
 *   <li>{@code get_entity_relationships} prints each relation with the ids:
 *   {@code  <uuid> --[type]--> <uuid>}, and fails on an unknown entity;</li>
 *   <li>{@code batch_create_entities} creates one after another, past failures, and names only the
 *   first 10 created and the first 5 failures.</li>
 * </ul>
 * Each call is applied whole, one at a time, so the stand-in never shows the race of two callers
 * creating the same name at once. Not thread-safe: {@link StandInMcpServer} holds its lock.
 */
final class StandInGraph {

  /** A tool and its parameters ({@code name:type}, {@code ?} for optional). */
  record Tool(String name, List<String> params) {
  }

  /** The knowledge-graph tools the stand-in implements, as Session-Buddy declares them. */
  static final List<Tool> TOOLS = List.of(
    new Tool("create_entity", List.of("name:string", "entity_type:string", "observations?:strings", "properties?:object")),
    new Tool("add_observation", List.of("entity_name:string", "observation:string")),
    new Tool("create_relation", List.of("from_entity:string", "to_entity:string", "relation_type:string",
      "properties?:object")),
    new Tool("search_entities", List.of("query:string", "entity_type?:string", "limit?:integer")),
    new Tool("get_entity_relationships", List.of("entity_name:string", "relation_type?:string", "direction?:string")),
    new Tool("get_knowledge_graph_stats", List.of()),
    new Tool("batch_create_entities", List.of("entities:objects")));

  private final List<JsonObject> entities = new ArrayList<>();
  /** Name to the entity found by a lookup (the first made with that name). */
  private final Map<String, JsonObject> byName = new LinkedHashMap<>();
  private final Map<String, JsonObject> byId = new HashMap<>();
  private final List<JsonObject> relations = new ArrayList<>();
  private final Map<String, Long> createdNanos = new HashMap<>();
  private final Map<String, Integer> counts = new HashMap<>();

  static Tool tool(String name) {
    return TOOLS.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
  }

  /** Applies a tool whose arguments are valid; answers its text. */
  String apply(String tool, JsonObject a) {
    try {
      return switch (tool) {
        case "create_entity" -> createEntity(a);
        case "add_observation" -> addObservation(a);
        case "create_relation" -> createRelation(a);
        case "search_entities" -> search(a);
        case "get_entity_relationships" -> relationships(a);
        case "batch_create_entities" -> batch(a.getJsonArray("entities"));
        default -> stats();
      };
    } catch (IllegalArgumentException e) {
      return "❌ " + operation(tool) + " failed: " + e.getMessage();
    }
  }

  private static String operation(String tool) {
    return switch (tool) {
      case "create_entity" -> "Create entity";
      case "add_observation" -> "Add observation";
      case "create_relation" -> "Create relation";
      case "search_entities" -> "Search entities";
      case "get_entity_relationships" -> "Get entity relationships";
      case "batch_create_entities" -> "Batch create entities";
      default -> "Get KG stats";
    };
  }

  private JsonObject insert(String name, String type, JsonArray observations, JsonObject properties) {
    if (byName.containsKey(name)) {
      throw new IllegalArgumentException("Entity with name '" + name + "' already exists");
    }
    JsonObject entity = new JsonObject().put("id", UUID.randomUUID().toString()).put("name", name)
      .put("entity_type", type).put("observations", observations.copy()).put("properties", properties.copy());
    entities.add(entity);
    byName.put(name, entity);
    byId.put(entity.getString("id"), entity);
    createdNanos.put(name, System.nanoTime());
    counts.merge(type, 1, Integer::sum);
    return entity;
  }

  private String createEntity(JsonObject a) {
    JsonArray observations = a.getJsonArray("observations", new JsonArray());
    JsonObject properties = a.getJsonObject("properties", new JsonObject());
    JsonObject entity = insert(a.getString("name"), a.getString("entity_type"), observations, properties);
    StringBuilder text = new StringBuilder("✅ Entity '" + entity.getString("name") + "' created successfully!\n📊 Type: "
      + entity.getString("entity_type") + "\n🆔 ID: " + entity.getString("id"));
    if (!observations.isEmpty()) {
      text.append("\n📝 Observations: ").append(observations.size());
    }
    if (!properties.isEmpty()) {
      text.append("\n⚙️ Properties: ").append(String.join(", ", properties.fieldNames()));
    }
    return text.toString();
  }

  /** The id of an entity named {@code identifier}, or with that id. */
  private String resolve(String identifier) {
    JsonObject entity = byName.get(identifier);
    if (entity != null) {
      return entity.getString("id");
    }
    if (byId.containsKey(identifier)) {
      return identifier;
    }
    throw new IllegalArgumentException("Entity '" + identifier + "' not found");
  }

  private String addObservation(JsonObject a) {
    String name = a.getString("entity_name");
    JsonObject entity = byName.get(name);
    if (entity == null) {
      throw new IllegalArgumentException("Entity '" + name + "' not found");
    }
    entity.getJsonArray("observations").add(a.getString("observation"));
    return "✅ Observation added to '" + name + "'\n📝 Observation: " + a.getString("observation");
  }

  private String createRelation(JsonObject a) {
    String from = a.getString("from_entity");
    String to = a.getString("to_entity");
    String fromId = resolve(from);
    String toId = resolve(to);
    JsonObject properties = a.getJsonObject("properties", new JsonObject());
    String id = UUID.randomUUID().toString();
    relations.add(new JsonObject().put("id", id).put("from_entity", fromId).put("to_entity", toId)
      .put("relation_type", a.getString("relation_type")).put("properties", properties.copy()));
    String text = "✅ Relationship created: " + from + " --[" + a.getString("relation_type") + "]--> " + to
      + "\n🆔 Relation ID: " + id;
    return properties.isEmpty() ? text : text + "\n⚙️ Properties: " + String.join(", ", properties.fieldNames());
  }

  private String search(JsonObject a) {
    String query = a.getString("query");
    String type = a.getString("entity_type");
    int limit = a.getInteger("limit", 10);
    List<JsonObject> found = new ArrayList<>();
    for (int i = entities.size() - 1; i >= 0 && found.size() < limit; i--) {
      JsonObject e = entities.get(i);
      if ((type == null || type.equals(e.getString("entity_type")))
        && (e.getString("name").contains(query) || e.getJsonArray("observations").contains(query))) {
        found.add(e);
      }
    }
    if (found.isEmpty()) {
      return "🔍 No entities found matching '" + query + "'";
    }
    StringBuilder text = new StringBuilder("🔍 Found " + found.size() + " entities matching '" + query + "':\n");
    for (JsonObject e : found) {
      text.append("\n📌 ").append(e.getString("name")).append(" (").append(e.getString("entity_type")).append(")");
      JsonArray observations = e.getJsonArray("observations");
      if (!observations.isEmpty()) {
        String preview = observations.getString(0);
        text.append("\n   📝 Observations: ").append(observations.size()).append("\n   └─ ")
          .append(preview.length() > 80 ? preview.substring(0, 80) + "..." : preview);
      }
      text.append('\n');
    }
    return text.toString().stripTrailing();
  }

  private String relationships(JsonObject a) {
    String name = a.getString("entity_name");
    String type = a.getString("relation_type");
    String direction = a.getString("direction", "both");
    String id = resolve(name);
    List<JsonObject> found = new ArrayList<>();
    for (int i = relations.size() - 1; i >= 0; i--) {
      JsonObject r = relations.get(i);
      boolean matches = switch (direction) {
        case "outgoing" -> id.equals(r.getString("from_entity"));
        case "incoming" -> id.equals(r.getString("to_entity"));
        default -> id.equals(r.getString("from_entity")) || id.equals(r.getString("to_entity"));
      };
      if (matches && (type == null || type.equals(r.getString("relation_type")))) {
        found.add(r);
      }
    }
    if (found.isEmpty()) {
      return "🔍 No relationships found for '" + name + "'";
    }
    StringBuilder text = new StringBuilder("🔗 Found " + found.size() + " relationships for '" + name + "':\n");
    for (JsonObject r : found) {
      // Session-Buddy compares the stored id with the name here, so with "both" every line reads as incoming.
      boolean out = direction.equals("outgoing") || (direction.equals("both") && name.equals(r.getString("from_entity")));
      text.append("\n  ").append(r.getString("from_entity"))
        .append(out ? " --[" : " <--[").append(r.getString("relation_type"))
        .append(out ? "]--> " : "]-- ").append(r.getString("to_entity"));
    }
    return text.toString();
  }

  private String batch(JsonArray items) {
    List<String> created = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (Object item : items) {
      JsonObject e = (JsonObject) item;
      String name = e.getString("name");
      if (name == null) {
        // Session-Buddy reads the name again to report the failure, so this ends the whole batch.
        throw new IllegalArgumentException("'name'");
      }
      try {
        if (e.getString("entity_type") == null) {
          throw new IllegalArgumentException("'entity_type'");
        }
        insert(name, e.getString("entity_type"), e.getJsonArray("observations", new JsonArray()),
          e.getJsonObject("properties", new JsonObject()));
        created.add(name);
      } catch (IllegalArgumentException | ClassCastException ex) {
        failed.add(name + ": " + ex.getMessage());
      }
    }
    StringBuilder text = new StringBuilder("📦 Batch Entity Creation Results:\n\n✅ Successfully Created: ")
      .append(created.size());
    created.stream().limit(10).forEach(n -> text.append("\n   • ").append(n));
    if (created.size() > 10) {
      text.append("\n   ... and ").append(created.size() - 10).append(" more");
    }
    text.append('\n');
    if (!failed.isEmpty()) {
      text.append("\n❌ Failed: ").append(failed.size());
      failed.stream().limit(5).forEach(f -> text.append("\n   • ").append(f));
      if (failed.size() > 5) {
        text.append("\n   ... and ").append(failed.size() - 5).append(" more");
      }
    }
    return text.toString();
  }

  private String stats() {
    Map<String, Integer> kinds = new LinkedHashMap<>();
    relations.forEach(r -> kinds.merge(r.getString("relation_type"), 1, Integer::sum));
    StringBuilder text = new StringBuilder("📊 Knowledge Graph Statistics\n\n📌 Total Entities: " + entities.size()
      + "\n🔗 Total Relationships: " + relations.size() + "\n");
    if (!counts.isEmpty()) {
      text.append("\n📊 Entity Types:");
      counts.forEach((k, v) -> text.append("\n   • ").append(k).append(": ").append(v));
      text.append('\n');
    }
    if (!kinds.isEmpty()) {
      text.append("\n🔗 Relationship Types:");
      kinds.forEach((k, v) -> text.append("\n   • ").append(k).append(": ").append(v));
    }
    return text.toString();
  }

  /** The entities by name (the first of a name), in creation order: {@code {"id", "name", "entity_type", "observations", "properties"}}. */
  Map<String, JsonObject> entities() {
    Map<String, JsonObject> copy = new LinkedHashMap<>();
    byName.forEach((k, v) -> copy.put(k, v.copy()));
    return copy;
  }

  /**
   * The relations in creation order, with the names of their ends (as stored they hold ids):
   * {@code {"id", "from_entity", "to_entity", "relation_type", "properties"}}.
   */
  List<JsonObject> relations() {
    return relations.stream().map(r -> r.copy()
      .put("from_entity", byId.get(r.getString("from_entity")).getString("name"))
      .put("to_entity", byId.get(r.getString("to_entity")).getString("name"))).toList();
  }

  int count(String entityType) {
    return counts.getOrDefault(entityType, 0);
  }

  Long createdNanos(String name) {
    return createdNanos.get(name);
  }
}
