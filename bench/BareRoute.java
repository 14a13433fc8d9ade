import io.javalin.Javalin;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The HTTP ceiling under the results API: a bare Javalin route of the same Javalin as Fennel's,
 * answering {@code GET /tasks/{id}} with fixed bytes (a result as {@code GET /tasks/{id}} answers
 * it, saved to a file with {@code curl -s -o body.json}), and nothing else: no guard, no headers of
 * ours, no timer, no lookup. What {@code wrk} measures on it is the most the API's hot GET could
 * reach on this machine.
 *
 * <pre>java -cp cli/target/fennel.jar bench/BareRoute.java body.json [port]</pre>
 */
public class BareRoute {
  public static void main(String[] args) throws Exception {
    byte[] body = Files.readAllBytes(Path.of(args[0]));
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 18081;
    Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.jetty.host = "127.0.0.1";
              cfg.jetty.port = port;
              cfg.routes.get(
                  "/tasks/{id}",
                  ctx -> ctx.status(200).contentType("application/json").result(body));
            })
        .start();
    System.out.println(
        "bare route on http://127.0.0.1:" + port + "/tasks/{id}, " + body.length + " bytes");
  }
}
