package dev.cocktail.cli;

import dev.cocktail.engine.ModelDir;
import dev.cocktail.merge.LoraExtract;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `cocktail lora`: LoRA adapters (PEFT's layout) from and for full models. */
@Command(name = "lora", description = "LoRA adapters in PEFT's layout.", subcommands = LoraCommand.Extract.class,
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail lora extract examples/models/base examples/models/ft-sort --rank 8 --output /tmp/lora"})
final class LoraCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** `cocktail lora extract BASE FINETUNED --rank R --output DIR`, as mergekit-extract-lora. */
    @Command(name = "extract", description = "Factor a fine-tuned model's difference from its base into a LoRA adapter "
            + "(truncated SVD of each weight's task vector; lora_alpha = rank).",
            footerHeading = "%nExamples:%n",
            footer = {"  cocktail lora extract BASE FINETUNED --rank 16 --output DIR"})
    static final class Extract implements Runnable {
        @Parameters(index = "0", paramLabel = "BASE", description = "The model the other was fine-tuned from.")
        String base;

        @Parameters(index = "1", paramLabel = "FINETUNED", description = "The fine-tuned model.")
        String finetuned;

        @Option(names = "--rank", required = true, paramLabel = "R", description = "The adapter's rank (capped by each weight's shape).")
        int rank;

        @Mixin
        OutputOptions target;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            LoraExtract.extract(new LoraExtract.Request(ModelDir.resolve(base), ModelDir.resolve(finetuned), rank, target.toOutput()),
                    TerminalProgress.forTerminal(), Cocktail.version());
            spec.commandLine().getOut().println("wrote " + target.output);
            spec.commandLine().getOut().flush();
        }
    }
}
