package dev.cocktail.cli;

import java.io.File;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The jar's entry point, so that a plain `java -jar cocktail.jar` works on any JDK 25. The Vector
 * API is an incubator module, which a JVM resolves only when asked on its command line (a jar's
 * manifest cannot ask): without it, this starts the same java again with the module added, and
 * passes on its own JVM options, the arguments, the streams and the exit status. This class must
 * not touch the Vector API itself, nor anything that does.
 */
public final class Launcher {
    private Launcher() {}

    static final String VECTOR = "jdk.incubator.vector";

    public static void main(String[] args) throws Exception {
        if (ModuleLayer.boot().findModule(VECTOR).isPresent()) {
            Cocktail.main(args);
            return;
        }
        if (Boolean.getBoolean("cocktail.relaunched")) {
            System.err.println("cocktail: this Java runtime has no " + VECTOR + " module; run it with a JDK 25 (or the bundle's runtime).");
            System.exit(1);
        }
        ProcessHandle.Info self = ProcessHandle.current().info();
        List<String> cmd = new ArrayList<>(List.of(self.command().orElse("java")));
        // the options this JVM was started with: everything before -jar
        List<String> started = Arrays.asList(self.arguments().orElse(new String[0]));
        int jarAt = started.indexOf("-jar");
        if (jarAt > 0) cmd.addAll(started.subList(0, jarAt));
        cmd.addAll(List.of("--add-modules", VECTOR, "--enable-native-access=ALL-UNNAMED", "-Dcocktail.relaunched=true",
                "-cp", jarPath(), "dev.cocktail.cli.Cocktail"));
        cmd.addAll(Arrays.asList(args));
        System.exit(new ProcessBuilder(cmd).inheritIO().start().waitFor());
    }

    private static String jarPath() throws URISyntaxException {
        return new File(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
    }
}
