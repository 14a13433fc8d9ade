package dev.fennel.cli;

import dev.fennel.producer.ResultsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fennel revoke}: revokes tasks for the whole cluster, durably, through the results API,
 * which says for each id whether it had already finished.
 */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description = {
      "Revoke tasks: wherever and whenever they come up (their queue, a countdown, an eta, a"
          + " retry), they end REVOKED without running, also when published later.",
      "A task that already finished is left as it is, and the answer says so.",
      "Example: ./fennel revoke 01J0…A7 --terminate"
    })
final class RevokeCommand implements Callable<Integer> {
  @Parameters(index = "0..*", arity = "1..*", paramLabel = "ID", description = "Task ids.")
  List<String> ids = new ArrayList<>();

  @Option(names = "--terminate", description = "Also interrupt a run already under way.")
  boolean terminate;

  @Mixin ApiClientOptions api;

  @Override
  public Integer call() {
    int finished = 0;
    try (ResultsClient client = api.client()) {
      for (String id : ids) {
        ResultsClient.Revoked answer = client.revoke(id, terminate);
        System.out.println(id + "  " + answer.message());
        if (!answer.revoked()) {
          finished++;
        }
      }
    }
    return finished == 0 ? 0 : 5;
  }
}
