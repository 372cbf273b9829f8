package org.eventcollector.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.InterfacesConfig;
import com.hazelcast.config.TcpIpConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.eventcollector.config.ConfigKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Hazelcast cluster manager of a node. The Hazelcast configuration comes from, in order: the
 * file or {@code classpath:} resource named by {@code -Dvertx.hazelcast.config}, {@code cluster.xml}
 * in the working directory, {@code cluster.xml} in the jar. Then {@code cluster_members} and
 * {@code cluster_interface} replace the TCP-IP member list and the bound interface when set.
 */
public final class ClusterSetup {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterSetup.class);
  /** System property naming the Hazelcast XML file (vertx-hazelcast's own name for it). */
  public static final String CONFIG_PROPERTY = "vertx.hazelcast.config";

  private ClusterSetup() {
  }

  /** A cluster manager for a node with {@code config}. */
  public static HazelcastClusterManager manager(JsonObject config) {
    return new HazelcastClusterManager(hazelcast(config));
  }

  /** The Hazelcast configuration for a node with {@code config}. */
  public static Config hazelcast(JsonObject config) {
    Config hazelcast = load();
    List<String> members = org.eventcollector.config.Config.strings(config.getValue(ConfigKeys.CLUSTER_MEMBERS));
    String networkInterface = org.eventcollector.config.Config.string(config, ConfigKeys.CLUSTER_INTERFACE, "").trim();
    TcpIpConfig tcpIp = hazelcast.getNetworkConfig().getJoin().getTcpIpConfig();
    if (!members.isEmpty()) {
      hazelcast.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
      tcpIp.setEnabled(true).setMembers(members);
    }
    if (!networkInterface.isEmpty()) {
      InterfacesConfig interfaces = hazelcast.getNetworkConfig().getInterfaces();
      interfaces.clear();
      interfaces.setEnabled(true).addInterface(networkInterface);
    }
    LOG.info("Cluster {}: members {}, interfaces {}", hazelcast.getClusterName(), tcpIp.getMembers(),
      hazelcast.getNetworkConfig().getInterfaces().getInterfaces());
    return hazelcast;
  }

  private static Config load() {
    Path local = Path.of("cluster.xml");
    if (System.getProperty(CONFIG_PROPERTY) == null && Files.isRegularFile(local)) {
      try {
        return new FileSystemXmlConfig(local.toFile());
      } catch (FileNotFoundException e) {
        LOG.warn("Cannot read {}, using the cluster.xml in the jar", local.toAbsolutePath());
      }
    }
    Config loaded = ConfigUtil.loadConfig();
    if (loaded == null) {
      throw new IllegalStateException("cannot read the Hazelcast configuration (" + CONFIG_PROPERTY + ", cluster.xml)");
    }
    return loaded;
  }
}
