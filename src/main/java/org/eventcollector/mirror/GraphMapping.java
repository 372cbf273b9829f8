package org.eventcollector.mirror;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * How an event becomes part of the Session-Buddy knowledge graph: the tool calls that mirror it.
 * <ul>
 *   <li>entity {@code <event_id>} of type {@code event}: observations are its non-empty title and
 *   description, properties every other field;</li>
 *   <li>entity {@code system:<source_system>} (type {@code system}) and {@code correlation:<id>}
 *   (type {@code correlation}), each created once, before the first event that needs it;</li>
 *   <li>relations {@code emitted_by} (event to system), {@code part_of} (event to correlation) and
 *   {@code follows} (event to the previous event of its correlation, in commit order).</li>
 * </ul>
 */
public final class GraphMapping {

  public static final String CREATE_ENTITY = "create_entity";
  public static final String CREATE_RELATION = "create_relation";
  public static final String ADD_OBSERVATION = "add_observation";
  public static final String BATCH_CREATE_ENTITIES = "batch_create_entities";
  public static final String GET_ENTITY_RELATIONSHIPS = "get_entity_relationships";
  /**
   * The tools the mirror cannot do without. Session-Buddy registers its knowledge-graph tools only
   * in its {@code standard} and {@code full} tool profiles; {@link #BATCH_CREATE_ENTITIES} is used
   * when offered.
   */
  public static final List<String> REQUIRED_TOOLS = List.of(CREATE_ENTITY, CREATE_RELATION, GET_ENTITY_RELATIONSHIPS);
  public static final String EVENT = "event";
  public static final String SYSTEM = "system";
  public static final String CORRELATION = "correlation";
  public static final String EMITTED_BY = "emitted_by";
  public static final String PART_OF = "part_of";
  public static final String FOLLOWS = "follows";

  /** One tool call of the mirror. */
  public record Step(String tool, JsonObject arguments) {

    public boolean isRelation() {
      return CREATE_RELATION.equals(tool);
    }

    /** The entity this step creates, or null. */
    public String entity() {
      return CREATE_ENTITY.equals(tool) ? arguments.getString("name") : null;
    }
  }

  private GraphMapping() {
  }

  public static String systemName(String system) {
    return SYSTEM + ":" + system;
  }

  public static String correlationName(String correlationId) {
    return CORRELATION + ":" + correlationId;
  }

  /** {@code create_entity} arguments of an event (its wire JSON). */
  public static JsonObject eventEntity(JsonObject event) {
    JsonArray observations = new JsonArray();
    for (String field : List.of("title", "description")) {
      String text = event.getString(field);
      if (text != null && !text.isEmpty()) {
        observations.add(text);
      }
    }
    JsonObject properties = new JsonObject();
    for (String field : event.fieldNames()) {
      if (!field.equals("title") && !field.equals("description")) {
        properties.put(field, event.getValue(field));
      }
    }
    return new JsonObject()
      .put("name", event.getString("event_id"))
      .put("entity_type", EVENT)
      .put("observations", observations)
      .put("properties", properties);
  }

  public static JsonObject systemEntity(String system) {
    return new JsonObject()
      .put("name", systemName(system))
      .put("entity_type", SYSTEM)
      .put("observations", new JsonArray())
      .put("properties", new JsonObject().put("source_system", system));
  }

  public static JsonObject correlationEntity(String correlationId) {
    return new JsonObject()
      .put("name", correlationName(correlationId))
      .put("entity_type", CORRELATION)
      .put("observations", new JsonArray())
      .put("properties", new JsonObject().put("correlation_id", correlationId));
  }

  public static JsonObject relation(String from, String to, String type) {
    return new JsonObject()
      .put("from_entity", from)
      .put("to_entity", to)
      .put("relation_type", type)
      .put("properties", new JsonObject());
  }

  /**
   * The calls that mirror {@code event}, in order.
   *
   * @param systemKnown the system entity exists already
   * @param correlationKnown the correlation entity exists already (ignored without a correlation)
   * @param previous the previous mirrored event of the same correlation, or null
   */
  public static List<Step> steps(JsonObject event, boolean systemKnown, boolean correlationKnown, String previous) {
    List<Step> steps = new ArrayList<>(6);
    String id = event.getString("event_id");
    String system = event.getString("source_system");
    String correlation = event.getString("correlation_id");
    if (!systemKnown) {
      steps.add(new Step(CREATE_ENTITY, systemEntity(system)));
    }
    if (correlation != null && !correlationKnown) {
      steps.add(new Step(CREATE_ENTITY, correlationEntity(correlation)));
    }
    steps.add(new Step(CREATE_ENTITY, eventEntity(event)));
    steps.add(new Step(CREATE_RELATION, relation(id, systemName(system), EMITTED_BY)));
    if (correlation != null) {
      steps.add(new Step(CREATE_RELATION, relation(id, correlationName(correlation), PART_OF)));
      if (previous != null) {
        steps.add(new Step(CREATE_RELATION, relation(id, previous, FOLLOWS)));
      }
    }
    return steps;
  }

  /** {@code get_entity_relationships} arguments that list the outgoing relations of {@code type} from {@code from}. */
  public static JsonObject outgoing(String from, String type) {
    return new JsonObject().put("entity_name", from).put("relation_type", type).put("direction", "outgoing");
  }

  /**
   * True when a {@code get_entity_relationships} answer (asked with {@link #outgoing}) lists an
   * outgoing relation of {@code type}. Session-Buddy prints each relation as
   * {@code <from id> --[type]--> <to id>} with the entities' ids (UUIDs), not their names, so the
   * line cannot be matched against the names; it need not be: an event has exactly one outgoing
   * relation of each type, so any such line means the relation exists.
   */
  public static boolean listsRelation(String answer, String type) {
    String arrow = " --[" + type + "]--> ";
    for (String line : answer.split("\n")) {
      String edge = line.strip();
      int at = edge.indexOf(arrow);
      if (at > 0 && at + arrow.length() < edge.length() && !edge.startsWith("❌") && !edge.startsWith("✅")) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when a failed {@code get_entity_relationships} says the entity is unknown: then it has no
   * relation either ({@code ❌ Get entity relationships failed: Entity 'x' not found}).
   */
  public static boolean entityNotFound(String failure) {
    return failure != null && failure.contains("not found");
  }

  /** {@code batch_create_entities} arguments: the {@code create_entity} arguments of each entity. */
  public static JsonObject batch(List<JsonObject> entities) {
    return new JsonObject().put("entities", new JsonArray(new ArrayList<>(entities)));
  }

  /** True when a failed {@code create_entity} says the entity exists already (so it was made before). */
  public static boolean alreadyExists(String failure) {
    return failure != null && failure.contains("already exists");
  }
}
