import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/**
 * For bench/soak.sh only: sets segment.ms=60000 on the topics whose disk Fennel frees (queues,
 * fennel.scheduled, the two results topics) and delete.retention.ms=60000 on the results topics,
 * so that a soak of minutes shows what Fennel's hour-long segments do over hours. Usage: java -cp
 * "cli/target/lib/*" bench/ShortSegments.java BOOTSTRAP
 */
public class ShortSegments {
  public static void main(String[] args) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[0]))) {
      Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
      for (String t : admin.listTopics().names().get()) {
        boolean results = t.equals("fennel.results") || t.equals("fennel.workflow-results");
        if (!results && !t.startsWith("fennel.tasks.") && !t.equals("fennel.scheduled")) {
          continue;
        }
        List<AlterConfigOp> set = new ArrayList<>();
        set.add(new AlterConfigOp(new ConfigEntry("segment.ms", "60000"), AlterConfigOp.OpType.SET));
        if (results) {
          set.add(
              new AlterConfigOp(
                  new ConfigEntry("delete.retention.ms", "60000"), AlterConfigOp.OpType.SET));
        }
        ops.put(new ConfigResource(ConfigResource.Type.TOPIC, t), set);
      }
      admin.incrementalAlterConfigs(ops).all().get();
      System.out.println("segment.ms=60000 on " + ops.size() + " topics");
    }
  }
}
