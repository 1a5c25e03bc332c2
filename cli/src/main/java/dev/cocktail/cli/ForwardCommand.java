package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ForwardPass;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.OutputFile;
import dev.cocktail.engine.SafetensorsWriter;
import dev.cocktail.engine.TensorSpec;
import dev.cocktail.models.Llama;
import dev.cocktail.models.Losses;
import dev.cocktail.models.Seq2SeqScoring;
import dev.cocktail.models.T5;
import dev.cocktail.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "forward", description = "Run a causal LM on token ids (next-token loss), or a T5 on input ids and a target (the target's loss); optionally every position's logits.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail forward examples/models/base --ids 1,270,261,54 --json", "  cocktail forward MODEL --ids 1,2,3 --logits-out logits.safetensors"})
final class ForwardCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", description = "Decoder (llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, mixtral, qwen2_moe) or T5 (t5, mt5) model directory, or Hugging Face repo id in the local cache.")
    String model;

    @Option(names = "--ids", required = true, paramLabel = "ID,...", description = "Token ids, comma-separated.")
    String ids;

    @Option(names = "--target-ids", paramLabel = "ID,...", description = "Encoder-decoder: the decoder's target ids, comma-separated.")
    String targetIds;

    @Option(names = "--target", paramLabel = "TEXT", description = "Encoder-decoder: the target text, tokenized with the model's tokenizer (eos appended).")
    String target;

    @Option(names = "--logits-out", paramLabel = "FILE", description = "Write the logits, F32 [n, vocab], to this new safetensors file.")
    Path logitsOut;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        int[] tokens = parseIds("--ids", ids);
        if (logitsOut != null && Files.exists(logitsOut)) throw new CocktailException("--logits-out " + logitsOut + ": already exists.");
        ModelDir dir = ModelDir.resolve(model);
        if (logitsOut != null) OutputFile.check("--logits-out", logitsOut, List.of(dir.path()), null);
        boolean seq2seq = dir.architecture().forwardPass() == ForwardPass.T5;
        if (targetIds != null && target != null) throw new CocktailException("give --target-ids or --target, not both.");
        if (seq2seq && targetIds == null && target == null) {
            throw new CocktailException(dir.name() + " is an encoder-decoder: give the decoder's target with --target-ids or --target.");
        }
        if (!seq2seq && (targetIds != null || target != null)) {
            throw new CocktailException("--target-ids and --target are for encoder-decoder models; " + dir.name() + " is "
                    + dir.architecture().describe() + ".");
        }
        float[] logits;
        int vocab, rows;
        Double loss;
        if (seq2seq) {
            if (target != null && !dir.hasTokenizer()) throw new CocktailException(dir.name() + ": has no tokenizer.json, which --target needs.");
            int[] labels = targetIds != null ? parseIds("--target-ids", targetIds) : Tokenizer.load(dir.path()).encode(target, true).ids();
            try (T5 t5 = T5.load(dir)) {
                vocab = t5.config().vocabSize();
                Seq2SeqScoring.TeacherForced r = Seq2SeqScoring.teacherForced(t5, tokens, labels);
                logits = r.logits();
                loss = r.loss();
                rows = labels.length;
            }
        } else {
            try (Llama llama = Llama.load(dir)) {
                vocab = llama.config().vocabSize();
                logits = llama.logits(tokens);
            }
            loss = tokens.length < 2 ? null : Losses.nextTokenLoss(logits, tokens, vocab);
            rows = tokens.length;
        }
        if (logitsOut != null) write(logitsOut, logits, rows, vocab);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.MAPPER.createObjectNode().put("tokens", tokens.length);
            if (seq2seq) o.put("target_tokens", rows);
            if (loss == null) o.putNull("loss");
            else o.put("loss", loss);
            out.println(o.toString());
        } else {
            out.printf("tokens  %d%n", tokens.length);
            if (seq2seq) out.printf("target  %d%n", rows);
            out.printf("loss    %s%n", loss == null ? "undefined (one token)" : String.format("%.6f", loss));
            if (logitsOut != null) out.printf("logits  %s [%d, %d] F32%n", logitsOut, rows, vocab);
        }
        out.flush();
    }

    static int[] parseIds(String option, String s) {
        try {
            int[] ids = Arrays.stream(s.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
            if (ids.length == 0) throw new NumberFormatException();
            return ids;
        } catch (NumberFormatException e) {
            throw new CocktailException(option + " '" + s + "' is not a comma-separated list of integers.");
        }
    }

    private static void write(Path file, float[] logits, int n, int vocab) {
        TensorSpec spec = new TensorSpec("logits", DType.F32, new long[] {n, vocab});
        OutputFile.write(file, tmp -> {
            try (SafetensorsWriter w = SafetensorsWriter.create(tmp, List.of(spec), CheckpointWriter.METADATA)) {
                MemorySegment bytes = MemorySegment.ofArray(new byte[logits.length * 4]); // little-endian on any host
                Convert.fromF32(logits, 0, logits.length, DType.F32, bytes, 0);
                w.write("logits", bytes);
                w.finish();
            }
        });
    }
}
