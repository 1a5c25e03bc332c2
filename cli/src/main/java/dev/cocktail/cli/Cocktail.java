package dev.cocktail.cli;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Threads;
import dev.cocktail.tokenizer.TokenizerException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.util.Arrays;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The `cocktail` command: options shared by every subcommand, and how errors reach the user. */
@Command(name = "cocktail",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT, // every subcommand gets --help and --version too
        versionProvider = Cocktail.Version.class,
        description = "Merge language models on the JVM: LM-Cocktail, mergekit methods, extrapolation.")
public final class Cocktail implements Runnable {

    /** The subcommands, in the order the usage lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            InspectCommand.class,
            MixCommand.class,
            MergeCommand.class,
            MoeCommand.class,
            ExtrapolateCommand.class,
            EvalCommand.class,
            ScoreCommand.class,
            ForwardCommand.class,
            EmbedCommand.class,
            RerankCommand.class,
            TokenizeCommand.class,
            LoraCommand.class,
            SearchCommand.class,
            CommandLine.HelpCommand.class,
            AutoComplete.GenerateCompletion.class);

    /** Exit status for bad input or options (picocli uses 2 for usage errors as well). */
    public static final int EXIT_BAD_INPUT = 2;
    /** Exit status for an unexpected failure (a bug, or an I/O error we did not anticipate). */
    public static final int EXIT_FAILURE = 1;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print more detail, and stack traces on errors.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = CommandLine.ScopeType.INHERIT,
            description = "No progress bars (they are drawn only when stderr is a terminal anyway).")
    boolean quiet;

    @Option(names = "--threads", scope = CommandLine.ScopeType.INHERIT, paramLabel = "N",
            description = "Threads for the kernels and merges (default: one per processor). Results do not depend on it.")
    Integer threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit status (the tests' entry point). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Cocktail());
        // picocli builds each subcommand's model from its annotations, which costs start-up time per
        // subcommand: a command line naming one gets that one, anything else (help, a typo) all of them
        String named = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("");
        // (help and generate-completion are about the others, so they get them all too)
        List<Class<?>> wanted = SUBCOMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(named)).toList();
        boolean aboutOthers = named.equals("help") || named.equals("generate-completion");
        for (Class<?> c : wanted.isEmpty() || aboutOthers ? SUBCOMMANDS : wanted) cl.addSubcommand(c);
        cl.setOut(out);
        cl.setErr(err);
        // no-color.org: NO_COLOR set to anything but the empty string turns colors off
        if (!System.getenv().getOrDefault("NO_COLOR", "").isEmpty()) cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cl.setExecutionStrategy(parseResult -> {
            TerminalProgress.quiet = matched(parseResult, "--quiet");
            Integer n = value(parseResult, "--threads");
            if (n != null) {
                if (n < 1) throw new CommandLine.ParameterException(parseResult.commandSpec().commandLine(), "--threads must be 1 or more, not " + n);
                System.setProperty(Threads.PROPERTY, Integer.toString(n));
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setParameterExceptionHandler((ex, given) -> {
            // one sentence and where to read more, not the whole usage (which buries the sentence)
            String command = ex.getCommandLine().getCommandSpec().qualifiedName();
            err.println("cocktail: " + ex.getMessage() + "; see '" + command + " --help'.");
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err); // "Did you mean: cocktail merge?" for a typo
            err.flush();
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (matched(parseResult, "--verbose")) ex.printStackTrace(err);
            err.println("cocktail: " + describe(ex));
            err.flush();
            return userError(ex) ? EXIT_BAD_INPUT : EXIT_FAILURE;
        });
        try {
            return cl.execute(args);
        } catch (Throwable e) { // an Error: picocli's handler above sees exceptions only
            return failed(e, Arrays.asList(args).contains("--verbose"), err);
        }
    }

    /** An Error reaches the user as one sentence with status 2 (the trace only with --verbose). */
    static int failed(Throwable e, boolean verbose, PrintWriter err) {
        if (verbose) e.printStackTrace(err);
        err.println("cocktail: " + describe(e));
        err.flush();
        return EXIT_BAD_INPUT;
    }

    /** Whether an option was given, before the subcommand or after it. */
    private static boolean matched(CommandLine.ParseResult parseResult, String option) {
        return parseResult.hasMatchedOption(option) || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption(option));
    }

    /** An option's value, given before the subcommand or after it, or null. */
    private static <T> T value(CommandLine.ParseResult parseResult, String option) {
        if (parseResult.hasMatchedOption(option)) return parseResult.matchedOptionValue(option, null);
        for (CommandLine.ParseResult sub : parseResult.subcommands()) {
            if (sub.hasMatchedOption(option)) return sub.matchedOptionValue(option, null);
        }
        return null;
    }

    private static boolean userError(Throwable ex) {
        return ex instanceof CocktailException || ex instanceof TokenizerException;
    }

    private static String describe(Throwable ex) {
        if (ex instanceof UncheckedIOException u && u.getCause() != null) ex = u.getCause();
        String msg = ex.getMessage();
        if (ex instanceof CocktailException c && msg != null) return OptionWords.message(c);
        if (userError(ex) && msg != null) return msg;
        if (ex instanceof FileSystemException f && f.getFile() != null) return f.getFile() + ": " + CocktailException.reason(f) + ".";
        if (ex instanceof IOException io) return "I/O error: " + CocktailException.reason(io) + ".";
        // Errors come from inputs past what the JVM can hold, not from a bug in the input's handling
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (" + msg + "): the input needs more than this JVM's heap; give it more with COCKTAIL_JAVA_OPTS=-Xmx... or use a smaller input.";
        }
        if (ex instanceof StackOverflowError) return "an input nests or repeats too deeply to be processed (stack overflow).";
        if (ex instanceof InternalError && msg != null && msg.contains("unsafe memory access")) {
            return "an input file changed or was truncated while it was read.";
        }
        return ex.getClass().getSimpleName() + (msg == null ? "" : ": " + msg) + " (run with --verbose for details)";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            return new String[] {"cocktail " + version(), "JVM " + Runtime.version()};
        }
    }

    /** The tool's version, recorded in model cards: the library's. */
    public static String version() {
        return dev.cocktail.Cocktail.version();
    }
}
