package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * {@code docs/architecture.md}, the newcomer's map, stays true: every path and file it names exists
 * (a bare {@code Name.java} is the one file of that name, in a module its line names), a method
 * named in brackets right after a file ({@code `Task.java` (`nextAttempt`)}) is declared in it, and
 * its module graph is the build's: the modules of the parent pom, and an arrow for each Fennel
 * dependency a module's pom declares outside test scope that {@code build/import-control.xml} lets
 * a package of the module import.
 *
 * <p>One class for one page: its checks share the reading of the page (its items, code spans and
 * links) and of the build (the modules and their packages).
 */
class ArchitecturePageTest {
  private static final Path ROOT = Path.of("..");
  private static final Path PAGE = ROOT.resolve("docs").resolve("architecture.md");
  private static final String BENCHMARKS = "benchmarks";
  private static final Set<String> SKIPPED_DIRS =
      Set.of(".git", "target", ".fennel", "node_modules", "__pycache__", ".venv", ".mypy_cache");
  private static final Pattern CODE = Pattern.compile("`([^`\\s]+)`");
  private static final Pattern PATH = Pattern.compile("[\\w.-]+(/[\\w.-]+)*/|[\\w.-]+(/[\\w.-]+)+");
  private static final Pattern ROOT_FILE =
      Pattern.compile("[\\w.-]+\\.(md|xml|yml|yaml|json|py|sh|js|css|html|png|toml)");
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");
  private static final Pattern JAVA_FILE = Pattern.compile("(?<![\\w/.*-])([A-Z]\\w*\\.java)\\b");
  private static final Pattern METHOD = Pattern.compile("`([A-Z]\\w*\\.java)`\\s+\\(`([a-z]\\w*)`");
  private static final Pattern ITEM_START = Pattern.compile("\\s*(\\d+\\.|-) |\\||#");
  private static final Pattern ONE_LINE_ITEM = Pattern.compile("\\||#");
  private static final Pattern INTO_PAGE = Pattern.compile("architecture\\.md#([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("#{1,6} (.+)");
  private static final Pattern MERMAID = Pattern.compile("(?s)```mermaid\\n(.*?)```");
  private static final Pattern NODE = Pattern.compile("\\s*(\\w+)\\[([\\w-]+)\\]\\s*");
  private static final Pattern EDGE = Pattern.compile("\\s*(.+?)\\s*-->\\s*(.+?)\\s*");

  private static List<String> lines;
  private static List<String> modules;
  private static Map<String, List<Path>> filesByName;

  @BeforeAll
  static void readThePageAndTheTree() throws Exception {
    lines = Files.readAllLines(PAGE);
    modules = texts(xml(ROOT.resolve("pom.xml")), "/project/modules/module");
    filesByName = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(ROOT)) {
      walk.filter(Files::isRegularFile)
          .map(ROOT::relativize)
          .filter(path -> !skipped(path))
          .forEach(
              path ->
                  filesByName
                      .computeIfAbsent(path.getFileName().toString(), name -> new ArrayList<>())
                      .add(path));
    }
  }

  @Test
  void everyPathAndFileThePageNamesExists() throws IOException {
    List<String> problems = new ArrayList<>();
    List<String> items = new ArrayList<>();
    int[] itemOf = items(items);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String where = "docs/architecture.md:" + (i + 1) + ": ";
      Matcher code = CODE.matcher(line);
      while (code.find()) {
        String token = code.group(1);
        if ((PATH.matcher(token).matches() || ROOT_FILE.matcher(token).matches())
            && !Files.exists(ROOT.resolve(token))) {
          problems.add(where + "no file or folder " + token);
        }
      }
      Matcher link = LINK.matcher(line);
      while (link.find()) {
        String target = link.group(1);
        if (target.contains("://")) {
          continue;
        }
        Path file = PAGE.resolveSibling(target);
        if (!Files.exists(file)) {
          problems.add(where + "the link to " + target + " leads nowhere");
        } else if (link.group(2) != null && !sections(file).contains(link.group(2).substring(1))) {
          problems.add(where + "the link to " + target + link.group(2) + " finds no such section");
        }
      }
      Set<String> named = modulesNamedIn(items.get(itemOf[i]));
      Matcher java = JAVA_FILE.matcher(line);
      while (java.find()) {
        String name = java.group(1);
        List<Path> found = filesByName.getOrDefault(name, List.of());
        if (found.isEmpty()) {
          problems.add(where + "no file " + name);
        } else if (found.size() > 1) {
          problems.add(where + name + " is ambiguous, give its path: " + found);
        } else if (!named.isEmpty() && !named.contains(found.get(0).getName(0).toString())) {
          problems.add(
              where + name + " is in " + found.get(0) + ", but its item names only " + named);
        }
      }
    }
    assertThat(problems).as("what docs/architecture.md names and the tree lacks").isEmpty();
  }

  @Test
  void everyMethodNamedBesideAFileIsDeclaredInIt() throws IOException {
    List<String> problems = new ArrayList<>();
    List<String> items = new ArrayList<>();
    int[] itemOf = items(items);
    for (int item = 0; item < items.size(); item++) {
      Matcher method = METHOD.matcher(items.get(item));
      while (method.find()) {
        List<Path> found = filesByName.getOrDefault(method.group(1), List.of());
        if (found.size() != 1) {
          continue; // everyPathAndFileThePageNamesExists says why
        }
        Pattern declared =
            Pattern.compile(
                "(?m)^[ \\t]+(?:(?!return\\b|new\\b|throw\\b|else\\b)[\\w<>\\[\\]?,@.]+[ \\t]+)+"
                    + method.group(2)
                    + "\\s*\\(");
        if (!declared.matcher(Files.readString(ROOT.resolve(found.get(0)))).find()) {
          problems.add(
              "docs/architecture.md:"
                  + (firstLine(itemOf, item) + 1)
                  + ": "
                  + found.get(0)
                  + " declares no method "
                  + method.group(2));
        }
      }
    }
    assertThat(problems).as("methods docs/architecture.md names that their files lack").isEmpty();
  }

  @Test
  void theModuleGraphIsTheBuildsPlan() throws Exception {
    Matcher block = MERMAID.matcher(String.join("\n", lines));
    assertThat(block.find()).as("a mermaid graph in docs/architecture.md").isTrue();
    Map<String, String> labels = new TreeMap<>();
    Set<String> drawn = new TreeSet<>();
    for (String line : block.group(1).split("\n")) {
      Matcher node = NODE.matcher(line);
      if (node.matches()) {
        labels.put(node.group(1), node.group(2));
      }
    }
    for (String line : block.group(1).split("\n")) {
      Matcher edge = EDGE.matcher(line);
      if (edge.matches()) {
        for (String from : edge.group(1).split("&")) {
          for (String to : edge.group(2).split("&")) {
            drawn.add(
                labels.getOrDefault(from.trim(), from.trim())
                    + " -> "
                    + labels.getOrDefault(to.trim(), to.trim()));
          }
        }
      }
    }

    assertThat(labels.values()).containsExactlyInAnyOrderElementsOf(modules);
    assertThat(drawn).as("the arrows of the graph").isEqualTo(arrowsOfTheBuild());
  }

  @Test
  void theReadmeLinksThePageAndEveryLinkToASectionFindsIt() throws IOException {
    assertThat(Files.readString(ROOT.resolve("README.md"))).contains("(docs/architecture.md)");
    List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> pages = Files.list(PAGE.getParent())) {
      pages.filter(page -> page.toString().endsWith(".md")).forEach(docs::add);
    }
    Set<String> sections = sections(PAGE);
    List<String> broken = new ArrayList<>();
    for (Path doc : docs) {
      Matcher link = INTO_PAGE.matcher(Files.readString(doc));
      while (link.find()) {
        if (!sections.contains(link.group(1))) {
          broken.add(ROOT.relativize(doc) + ": #" + link.group(1));
        }
      }
    }
    assertThat(broken).as("links to sections of docs/architecture.md that it lacks").isEmpty();
  }

  /** The anchors GitHub gives the headings of a Markdown file. */
  private static Set<String> sections(Path markdown) throws IOException {
    Set<String> anchors = new TreeSet<>();
    for (String line : Files.readAllLines(markdown)) {
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        anchors.add(
            heading
                .group(1)
                .strip()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N} _-]", "")
                .replace(' ', '-'));
      }
    }
    return anchors;
  }

  /**
   * Module {@code a} → module {@code b} for each dependency on {@code b} that {@code a}'s pom
   * declares outside test scope and the import control lets a package of {@code a} import. Each
   * package of {@code benchmarks} is that of a module it depends on.
   */
  private static Set<String> arrowsOfTheBuild() throws Exception {
    Map<String, String> moduleOfArtifact = new TreeMap<>();
    for (String module : modules) {
      moduleOfArtifact.put(
          texts(xml(ROOT.resolve(module).resolve("pom.xml")), "/project/artifactId").get(0),
          module);
    }
    Element plan = xml(ROOT.resolve("build").resolve("import-control.xml")).getDocumentElement();
    Set<String> arrows = new TreeSet<>();
    for (String module : modules) {
      List<String> dependencies =
          texts(
              xml(ROOT.resolve(module).resolve("pom.xml")),
              "/project/dependencies/dependency[groupId='dev.fennel' and not(scope='test')]"
                  + "/artifactId");
      // Listed only for a module that depends on ours (an aggregator such as examples has none).
      List<String> own = dependencies.isEmpty() ? List.of() : packagesOf(module);
      List<String> measured = new ArrayList<>();
      for (String artifact : dependencies) {
        String dependency = moduleOfArtifact.get(artifact);
        if (dependency == null) {
          throw new AssertionError(module + " depends on " + artifact + ", which no module builds");
        }
        String target = packageOf(dependency);
        measured.add(target);
        String imported = plan.getAttribute("pkg") + "." + target;
        boolean allowed = false;
        for (String from : own) {
          // Each package asked, so that one without a rule fails here.
          allowed |= allowed(plan, from, imported);
        }
        if (allowed) {
          arrows.add(module + " -> " + dependency);
        }
      }
      if (module.equals(BENCHMARKS)) {
        assertThat(own)
            .as("the packages of benchmarks, each that of a module it depends on")
            .isSubsetOf(measured);
      }
    }
    return arrows;
  }

  /** The one package under {@code dev.fennel} of a module's main code, e.g. {@code api}. */
  private static String packageOf(String module) throws IOException {
    List<String> names = packagesOf(module);
    assertThat(names).as("the packages of " + module).hasSize(1);
    return names.get(0);
  }

  /**
   * The packages under {@code dev.fennel} of a module's main code: one, but for {@code benchmarks},
   * whose benchmarks live in the packages of the code they measure (to reach what is not public).
   */
  private static List<String> packagesOf(String module) throws IOException {
    try (Stream<Path> dirs = Files.list(ROOT.resolve(module).resolve("src/main/java/dev/fennel"))) {
      List<String> names = dirs.map(dir -> dir.getFileName().toString()).sorted().toList();
      if (!module.equals(BENCHMARKS)) {
        assertThat(names).as("the packages of " + module).hasSize(1);
      }
      return names;
    }
  }

  /** Whether the import control lets package {@code from} import package {@code imported}. */
  private static boolean allowed(Element plan, String from, String imported) {
    NodeList subpackages = plan.getElementsByTagName("subpackage");
    for (int i = 0; i < subpackages.getLength(); i++) {
      Element subpackage = (Element) subpackages.item(i);
      if (subpackage.getAttribute("name").equals(from)) {
        Boolean ruled = firstRule(subpackage, imported);
        if (ruled != null) {
          return ruled;
        }
        Boolean general = firstRule(plan, imported);
        return general != null
            ? general
            : plan.getAttribute("strategyOnMismatch").equals("allowed");
      }
    }
    throw new AssertionError("build/import-control.xml has no rule for package " + from);
  }

  /** The first allow or disallow among {@code rules}' children that matches {@code imported}. */
  private static @Nullable Boolean firstRule(Element rules, String imported) {
    for (Node child = rules.getFirstChild(); child != null; child = child.getNextSibling()) {
      if (child instanceof Element rule
          && (rule.getTagName().equals("allow") || rule.getTagName().equals("disallow"))) {
        String pkg = rule.getAttribute("pkg");
        if (imported.equals(pkg) || imported.startsWith(pkg + ".")) {
          return rule.getTagName().equals("allow");
        }
      }
    }
    return null;
  }

  /**
   * Splits the page into items (a list item with its continuation lines, a table row, a paragraph,
   * a heading), adds each item's text to {@code items}, and returns the item of each line.
   */
  private static int[] items(List<String> items) {
    int[] itemOf = new int[lines.size()];
    StringBuilder item = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || ITEM_START.matcher(line).lookingAt() || startsItem(i)) {
        items.add(item.toString());
        item.setLength(0);
      }
      item.append(line).append('\n');
      itemOf[i] = items.size();
    }
    items.add(item.toString());
    return itemOf;
  }

  /** The first line of item {@code item}. */
  private static int firstLine(int[] itemOf, int item) {
    for (int i = 0; i < itemOf.length; i++) {
      if (itemOf[i] == item) {
        return i;
      }
    }
    return itemOf.length;
  }

  /** Whether line {@code i} follows a table row or heading, which are items of one line. */
  private static boolean startsItem(int i) {
    return i > 0 && ONE_LINE_ITEM.matcher(lines.get(i - 1)).lookingAt();
  }

  private static Set<String> modulesNamedIn(String item) {
    Set<String> named = new TreeSet<>();
    for (String module : modules) {
      if (Pattern.compile("(?<![\\w-])" + Pattern.quote(module) + "(?![\\w-])")
          .matcher(item)
          .find()) {
        named.add(module);
      }
    }
    return named;
  }

  private static boolean skipped(Path path) {
    for (Path part : path) {
      if (SKIPPED_DIRS.contains(part.toString())) {
        return true;
      }
    }
    return false;
  }

  private static Document xml(Path file) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    // import-control.xml names Checkstyle's DTD by URL: never fetch it.
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return factory.newDocumentBuilder().parse(file.toFile());
  }

  private static List<String> texts(Document document, String xpath) throws Exception {
    NodeList nodes =
        (NodeList)
            XPathFactory.newInstance().newXPath().evaluate(xpath, document, XPathConstants.NODESET);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      texts.add(nodes.item(i).getTextContent().trim());
    }
    return texts;
  }
}
