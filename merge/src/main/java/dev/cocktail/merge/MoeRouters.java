package dev.cocktail.merge;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The router weights of an MoE, [layers][experts x hidden] (the routed experts of MoeConfig.routed:
 * a shared expert's gate last), as mergekit/moe/router.py's
 * get_gate_params makes them. Prompt modes: each expert's vector is the mean over its positive
 * prompts, less the mean over its negative prompts when it has some, scaled to unit length per
 * layer (norm clamped at 1e-8). A prompt is the base tokenizer's BOS token text followed by the
 * prompt, encoded without further special tokens. `hidden`: the hidden state entering each layer
 * (transformers' output_hidden_states[:-1]) at the prompt's last token, through our own forward
 * pass of the base model; `hidden_avg`: its mean over the prompt's tokens; `cheap_embed`: the sum of
 * the prompts' token embeddings, scaled to unit length, the same for every layer. The random modes
 * draw from a seeded generator, not torch's.
 */
final class MoeRouters {
    private MoeRouters() {}

    static float[][] compute(MoeConfig cfg, ModelDir base, int layers, int hidden, long seed, Function<ModelDir, LayerInputs> forward,
                             Progress progress) {
        List<MoeConfig.Expert> experts = cfg.routed();
        int n = experts.size();
        float[][] routers = new float[layers][n * hidden];
        switch (cfg.gateMode()) {
            case RANDOM, UNIFORM_RANDOM -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                double scale = Math.sqrt(1.0 / hidden);
                for (float[] layer : routers) {
                    for (int i = 0; i < layer.length; i++) {
                        layer[i] = (float) (cfg.gateMode() == MoeConfig.GateMode.RANDOM ? rnd.nextGaussian()
                                : rnd.nextDouble() * 2 * scale - scale);
                    }
                }
                return routers;
            }
            default -> { }
        }
        Tokenizer tokenizer = Tokenizer.load(base.path());
        String bos = tokenizer.bosId().isPresent() ? tokenizer.idToToken(tokenizer.bosId().getAsInt()) : "";
        int prompts = experts.stream().mapToInt(e -> e.positivePrompts().size() + e.negativePrompts().size()).sum();
        progress.start("routing prompts", prompts, "prompts");
        try (Vectors vectors = cfg.gateMode().hidden() ? new HiddenStates(forward.apply(base), layers, hidden, cfg.gateMode() == MoeConfig.GateMode.HIDDEN_AVG)
                : new CheapEmbedding(base.openCheckpoint(), layers, hidden)) {
            for (int e = 0; e < n; e++) {
                MoeConfig.Expert expert = experts.get(e);
                double[][] v = vectors.of(encode(tokenizer, bos, expert.positivePrompts()), progress);
                if (!expert.negativePrompts().isEmpty()) {
                    double[][] neg = vectors.of(encode(tokenizer, bos, expert.negativePrompts()), progress);
                    for (int l = 0; l < layers; l++) for (int i = 0; i < hidden; i++) v[l][i] -= neg[l][i];
                }
                for (int l = 0; l < layers; l++) {
                    double norm = Math.max(Math.sqrt(dot(v[l], v[l])), 1e-8);
                    for (int i = 0; i < hidden; i++) routers[l][e * hidden + i] = (float) (v[l][i] / norm);
                }
            }
        } finally {
            progress.finish();
        }
        return routers;
    }

    private static List<int[]> encode(Tokenizer tokenizer, String bos, List<String> prompts) {
        return prompts.stream().map(p -> tokenizer.encode(bos + p, false).ids()).toList();
    }

    /** Per layer, the vector of a list of prompts ([layers][hidden]), before the unit scaling. */
    private interface Vectors extends AutoCloseable {
        double[][] of(List<int[]> prompts, Progress progress);

        @Override
        void close();
    }

    /** The mean over the prompts of each layer's input hidden state, at the last token or averaged over the tokens. */
    private record HiddenStates(LayerInputs model, int layers, int h, boolean average) implements Vectors {
        @Override
        public double[][] of(List<int[]> prompts, Progress progress) {
            double[][] sum = new double[layers][h];
            for (int[] ids : prompts) {
                if (ids.length == 0) throw new CocktailException("a prompt encodes to no tokens, and there is no BOS token to route by.");
                float[][] inputs = model.of(ids);
                for (int l = 0; l < inputs.length; l++) {
                    for (int r = average ? 0 : ids.length - 1; r < ids.length; r++) {
                        for (int i = 0; i < h; i++) sum[l][i] += inputs[l][r * h + i] / (double) (average ? ids.length : 1);
                    }
                }
                progress.advance(1);
            }
            for (double[] layer : sum) for (int i = 0; i < h; i++) layer[i] /= prompts.size();
            return sum;
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /**
     * The sum of the embeddings of every token of every prompt, scaled to unit length, for every
     * layer the same (mergekit's get_cheap_embedding).
     */
    private record CheapEmbedding(Checkpoint checkpoint, int layers, int hidden) implements Vectors {
        @Override
        public double[][] of(List<int[]> prompts, Progress progress) {
            Tensor embed = checkpoint.require("model.embed_tokens.weight");
            float[] row = new float[hidden];
            double[] sum = new double[hidden];
            for (int[] ids : prompts) {
                for (int id : ids) {
                    if (id < 0 || id >= embed.shape()[0]) {
                        throw new CocktailException(checkpoint.where() + ": token id " + id + " of a prompt is outside the embeddings ("
                                + embed.shape()[0] + " rows).");
                    }
                    embed.toF32((long) id * hidden, row, 0, hidden);
                    for (int i = 0; i < hidden; i++) sum[i] += row[i];
                }
                progress.advance(1);
            }
            double norm = Math.max(Math.sqrt(dot(sum, sum)), 1e-8);
            double[][] out = new double[layers][];
            for (int l = 0; l < layers; l++) {
                out[l] = sum.clone();
                for (int i = 0; i < hidden; i++) out[l][i] /= norm;
            }
            return out;
        }

        @Override
        public void close() {
            checkpoint.close();
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /**
     * The layers whose router matrix has a condition number above 5 (mergekit's
     * warn_degenerate_gates): there, experts' prompts are too alike and some expert will be
     * underused. The condition number is sqrt(largest / smallest eigenvalue) of the experts x
     * experts Gram matrix, found by Jacobi rotations.
     */
    static List<Integer> degenerateLayers(float[][] routers, int experts, int hidden) {
        List<Integer> out = new java.util.ArrayList<>();
        for (int l = 0; l < routers.length; l++) {
            double[][] g = new double[experts][experts];
            for (int a = 0; a < experts; a++) {
                for (int b = 0; b < experts; b++) {
                    double s = 0;
                    for (int i = 0; i < hidden; i++) s += (double) routers[l][a * hidden + i] * routers[l][b * hidden + i];
                    g[a][b] = s;
                }
            }
            double[] eig = eigenvalues(g);
            double min = java.util.Arrays.stream(eig).min().orElse(0), max = java.util.Arrays.stream(eig).max().orElse(0);
            if (!(min > 0) || Math.sqrt(max / min) > 5) out.add(l);
        }
        return out;
    }

    /** The eigenvalues of a small symmetric matrix (overwritten), by cyclic Jacobi rotations. */
    static double[] eigenvalues(double[][] a) {
        int n = a.length;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) for (int q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
            if (off < 1e-30) break;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) continue;
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) { // columns p and q
                        double akp = a[k][p], akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) { // rows p and q
                        double apk = a[p][k], aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                }
            }
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = a[i][i];
        return d;
    }
}
