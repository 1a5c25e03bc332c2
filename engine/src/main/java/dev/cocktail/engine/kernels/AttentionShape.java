package dev.cocktail.engine.kernels;

/**
 * The geometry and masks of one attention call. Sequence b holds lengths[b] real tokens at the
 * start of its seqLen rows; keys past that are masked (query rows past it are computed like any
 * other, which BERT's padded outputs need), unless `rows` leaves the padded rows out. Causal masks
 * keys after the query; window, when positive, also masks keys at or before query - window
 * (Mistral's sliding window).
 * Query head h reads kv head h / (heads / kvHeads). Scores are scaled by `scale`, then, when softcap
 * is positive, squashed to softcap * tanh(score / softcap) before the mask (Gemma 2).
 * With `past` > 0 (one sequence continuing cached ones, as in generation), the keys and values hold
 * past + seqLen rows and query row i sits at position past + i.
 */
public record AttentionShape(int batch, int seqLen, int[] lengths, int heads, int kvHeads, int headDim,
                             float scale, boolean causal, int window, int past, Rows rows, float softcap) {

    /** Which rows the queries, keys and values have. */
    public enum Rows {
        /** Every sequence has seqLen rows, padding included. */
        PADDED,
        /** Only real tokens have rows: sequence b's lengths[b] rows follow sequence b - 1's directly. */
        PACKED,
        /** Keys and values packed; the only queries are each sequence's first token, at row b (an encoder's CLS). */
        FIRST
    }

    /** Without softcapping. */
    public AttentionShape(int batch, int seqLen, int[] lengths, int heads, int kvHeads, int headDim,
                          float scale, boolean causal, int window, int past, Rows rows) {
        this(batch, seqLen, lengths, heads, kvHeads, headDim, scale, causal, window, past, rows, 0f);
    }

    /** Attention within the padded rows of the batch, nothing cached. */
    public AttentionShape(int batch, int seqLen, int[] lengths, int heads, int kvHeads, int headDim,
                          float scale, boolean causal, int window) {
        this(batch, seqLen, lengths, heads, kvHeads, headDim, scale, causal, window, 0, Rows.PADDED);
    }

    /** Attention of padded rows, after `past` cached ones. */
    public AttentionShape(int batch, int seqLen, int[] lengths, int heads, int kvHeads, int headDim,
                          float scale, boolean causal, int window, int past) {
        this(batch, seqLen, lengths, heads, kvHeads, headDim, scale, causal, window, past, Rows.PADDED);
    }

    public AttentionShape {
        if (past < 0 || (past > 0 && batch != 1)) throw new IllegalArgumentException("cached keys need one sequence, got batch " + batch + " past " + past);
        if (lengths.length != batch) throw new IllegalArgumentException("lengths " + lengths.length + " != batch " + batch);
        for (int len : lengths) {
            if (len < 1 || len > seqLen) throw new IllegalArgumentException("sequence length " + len + " outside 1.." + seqLen);
        }
        if (!(softcap >= 0)) throw new IllegalArgumentException("softcap " + softcap);
        if (heads % kvHeads != 0) throw new IllegalArgumentException(heads + " heads not a multiple of " + kvHeads + " kv heads");
    }

    /** Key and value rows per sequence (of the padded layout). */
    public int keyRows() {
        return past + seqLen;
    }

    /** Query rows of sequence b. */
    public int queryRows(int b) {
        return switch (rows) {
            case PADDED -> seqLen;
            case PACKED -> lengths[b];
            case FIRST -> 1;
        };
    }

    /** Where sequence b's query rows start. */
    public int firstQueryRow(int b) {
        return switch (rows) {
            case PADDED -> b * seqLen;
            case PACKED -> firstKeyRow(b);
            case FIRST -> b;
        };
    }

    /** Where sequence b's key and value rows start (the cached ones first). */
    public int firstKeyRow(int b) {
        if (rows == Rows.PADDED) return b * keyRows();
        int row = 0;
        for (int i = 0; i < b; i++) row += lengths[i];
        return row;
    }
}
