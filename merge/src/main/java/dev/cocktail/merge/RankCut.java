package dev.cocktail.merge;

import dev.cocktail.engine.Convert;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The k elements of a tensor with the largest score (|delta|, variance, ...), found without holding
 * the tensor. Scores rank by magnitude, the sign ignored (a task vector is its own score, with no
 * pass to take absolute values), that is by the float bits of |s| (non-negative floats order like
 * their bits); equal magnitudes rank by position, earlier first, so the selection is exact and the
 * same on every run.
 *
 * A Finder finds all the cuts of a tensor (one per task vector, say) in one pass over it: a sample of
 * the scores from across the tensor brackets each k-th highest score in a narrow band of values; the
 * pass counts the scores above each band and collects those inside it, and the k-th is picked among
 * those. Where the sample misled (the k-th falls outside its band) or a band would hold too many
 * scores to collect (a long run of equal scores, such as zeros), a radix select over the score bits
 * finds that cut in two or three passes of its own.
 */
final class RankCut {
    /**
     * Fills s[0..c.n) with the chunk's scores, ranked by |s[i]|; s[i] depends on element i of the
     * inputs only, and nothing but s is written (the cuts of a tensor score one sample in parallel).
     */
    @FunctionalInterface
    interface Score {
        void fill(Chunk c, float[] s);
    }

    /**
     * The score input `of` less input `from` (a task vector, ranked by magnitude): the cuts' pass
     * computes it as it counts, never storing it, which saves a write and a read of every score.
     */
    record Difference(int of, int from) implements Score {
        @Override
        public void fill(Chunk c, float[] s) {
            MergeKernels.sub(c.in[of], c.in[from], s, c.n);
        }
    }

    /**
     * The sample: RUNS runs of consecutive elements spread over the tensor, about 1/128 of it but at
     * least 8K and at most 64K scores. Each run is one read per input; few runs keep that cheap.
     */
    private static final int RUNS = 256, MIN_SAMPLE = 1 << 13, MAX_SAMPLE = 1 << 16;
    private static final int NAN_BITS = 0x7F800000; // bits above this are NaNs
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long MAX_STORE = Integer.MAX_VALUE - 16; // the longest int[] a JVM allocates, with room to spare

    private final Score score;
    private final long k;
    // the cut, set once by Finder.find(): scores above value are kept, those equal to it too when
    // inclusive, else the first `take` of them: equalBefore[chunk] of them come before that chunk
    // (and equalBefore[chunks], all of them)
    private float value;
    private boolean inclusive;
    private long take;
    private long[] equalBefore;

    private RankCut(Score score, long k) {
        this.score = score;
        this.k = k;
    }

    /** The cut keeping the k highest scores (a Finder of one). */
    static RankCut top(TensorJob job, Score score, int scratch, long k) {
        Finder f = new Finder(job, scratch);
        RankCut cut = f.top(score, k);
        f.find();
        return cut;
    }

    /** Scores whose magnitude is above this are kept; in a chunk byThreshold() holds for, only those. */
    float threshold() {
        return inclusive ? Math.nextDown(value) : value;
    }

    /** Whether the chunk keeps exactly its scores above threshold(): none equal to the cut is kept by position. */
    boolean byThreshold(Chunk c) {
        return equalBefore == null || equalBefore[c.index] >= Math.min(take, equalBefore[c.index + 1]);
    }

    /** mask[i] = 1 where the score s[i] (of this chunk) is among the k highest, else 0. */
    void mask(Chunk c, float[] s, float[] mask) {
        MergeKernels.above(s, threshold(), mask, c.n);
        if (equalBefore == null) return;
        // the chunk's scores equal to the cut, kept while fewer than `take` came before; most chunks
        // hold none, and those are skipped without a look
        long seen = equalBefore[c.index], end = Math.min(take, equalBefore[c.index + 1]);
        int i = 0;
        for (int bound = MergeKernels.F.loopBound(c.n); seen < end && i < bound; i += MergeKernels.F.length()) {
            long equal = FloatVector.fromArray(MergeKernels.F, s, i).abs().compare(VectorOperators.EQ, value).toLong();
            for (; equal != 0 && seen < end; equal &= equal - 1, seen++) mask[i + Long.numberOfTrailingZeros(equal)] = 1f;
        }
        for (; seen < end && i < c.n; i++) {
            if (Math.abs(s[i]) == value) {
                mask[i] = 1f;
                seen++;
            }
        }
    }

    /** What a score ranks by: the bits of |s|. */
    private static int rankBits(float s) {
        return Float.floatToRawIntBits(s) & 0x7FFFFFFF;
    }

    private void set(float value, boolean inclusive, long take, long[] equalBefore) {
        this.value = value;
        this.inclusive = inclusive;
        this.take = take;
        this.equalBefore = equalBefore;
    }

    /**
     * The k-th highest score has bits `bits`, `above` scores rank above it and `equal` share its
     * value: the cut keeps all the equal ones when they all fit, else the first `take` by position,
     * which needs how many equal scores each chunk holds (equalPerChunk, or null to count them in a pass).
     */
    private void cutAt(TensorJob job, int scratch, int bits, long above, long equal, long[] equalPerChunk) {
        float v = Float.intBitsToFloat(bits);
        long take = k - above;
        if (take == equal) {
            set(v, true, 0, null);
            return;
        }
        long[] counts = equalPerChunk != null ? equalPerChunk : job.perChunk((c, one) -> {
            float[] s = c.tmp(scratch);
            score.fill(c, s);
            for (int i = 0; i < c.n; i++) if (Math.abs(s[i]) == v) one[0]++;
        });
        long[] prefix = new long[counts.length + 1];
        for (int i = 0; i < counts.length; i++) prefix[i + 1] = prefix[i] + counts[i];
        set(v, false, take, prefix);
    }

    /** The cuts of one tensor, found together. */
    static final class Finder {
        private final TensorJob job;
        private final int scratch;
        private final List<RankCut> cuts = new ArrayList<>();

        /** Scores are computed into the chunks' scratch array `scratch`. */
        Finder(TensorJob job, int scratch) {
            this.job = job;
            this.scratch = scratch;
        }

        /** A cut keeping the k highest scores; it is known once find() has run. */
        RankCut top(Score score, long k) {
            RankCut cut = new RankCut(score, k);
            cuts.add(cut);
            return cut;
        }

        /** Finds every cut asked for: one pass over the tensor, then a radix select for each band that failed. */
        void find() {
            long n = job.elements();
            List<RankCut> open = new ArrayList<>();
            for (RankCut cut : cuts) {
                if (cut.k <= 0) cut.set(Float.POSITIVE_INFINITY, false, 0, null);
                else if (cut.k >= n) cut.set(0f, true, 0, null);
                else open.add(cut);
            }
            if (open.isEmpty()) return;
            // the cuts' bands, and later their picks, are found in parallel: alone they would leave
            // all but one core idle for a tenth of a large tensor's time
            Chunk sample = job.sample(RUNS, Math.clamp(n / 128, MIN_SAMPLE, MAX_SAMPLE) / RUNS);
            List<Band> around = job.parallel(open.stream().map(cut -> (Callable<Band>) () -> {
                float[] s = new float[sample.n];
                cut.score.fill(sample, s);
                return Band.around(cut, s, job.ints(0, sample.n), n);
            }).toList());
            List<Band> bands = new ArrayList<>();
            List<RankCut> exact = new ArrayList<>();
            long blockLength = job.blockLength(), blocks = job.blockCount();
            for (int j = 0; j < open.size(); j++) {
                Band b = around.get(j);
                // each block collects into its own region of the band's store, which this thread keeps
                // for the next tensor's bands; a band too wide to store goes to the radix select
                if (b != null && b.region(blockLength) * blocks <= MAX_STORE) bands.add(b);
                else exact.add(open.get(j));
            }
            if (!bands.isEmpty()) {
                int[][] stores = new int[bands.size()][];
                for (int j = 0; j < stores.length; j++) {
                    stores[j] = job.ints(j, (int) (bands.get(j).region(blockLength) * blocks));
                }
                AtomicInteger regions = new AtomicInteger();
                // where every score is a difference of BF16 inputs, the tallies widen the bits as they
                // count, and the pass widens no input into F32 arrays it would read only once
                boolean fromBytes = bands.stream().allMatch(b -> b.cut.score instanceof Difference(int of, int from)
                        && job.plainBf16(of) && job.plainBf16(from));
                java.util.function.Supplier<Tally[]> newTallies = () -> {
                    int r = regions.getAndIncrement();
                    Tally[] t = new Tally[bands.size()];
                    for (int j = 0; j < t.length; j++) {
                        int room = (int) bands.get(j).region(blockLength);
                        t[j] = new Tally(bands.get(j), stores[j], r * room, room);
                    }
                    return t;
                };
                List<Tally[]> parts = fromBytes
                        ? job.unwidenedBlocks(newTallies, (c, tallies) -> {
                            for (Tally t : tallies) {
                                Difference d = (Difference) t.band.cut.score;
                                t.addBf16(c, c.bytes(d.of()), c.bytes(d.from()));
                            }
                        })
                        : job.blocks(newTallies, (c, tallies) -> {
                            for (Tally t : tallies) {
                                if (t.band.cut.score instanceof Difference(int of, int from)) {
                                    t.add(c, c.in[of], c.in[from]);
                                } else {
                                    float[] scores = c.tmp(scratch);
                                    t.band.cut.score.fill(c, scores);
                                    t.add(c, scores, null);
                                }
                            }
                        });
                List<Boolean> picked = job.parallel(IntStream.range(0, bands.size()).mapToObj(j -> (Callable<Boolean>) () ->
                        bands.get(j).pick(job, scratch, parts.stream().map(p -> p[j]).toList())).toList());
                for (int j = 0; j < bands.size(); j++) if (!picked.get(j)) exact.add(bands.get(j).cut);
            }
            for (RankCut cut : exact) radix(cut);
        }

        /** Radix select over the scores' bits: the top 16 bits first, then the low 16 bits of the chosen bucket. */
        private void radix(RankCut cut) {
            long[] high = job.count(1 << 15, (c, h) -> {
                float[] s = c.tmp(scratch);
                cut.score.fill(c, s);
                for (int i = 0; i < c.n; i++) h[rankBits(s[i]) >>> 16]++;
            });
            int bucket = high.length - 1;
            long above = 0;
            while (above + high[bucket] < cut.k) above += high[bucket--];
            final int hb = bucket;
            long[] low = job.count(1 << 16, (c, h) -> {
                float[] s = c.tmp(scratch);
                cut.score.fill(c, s);
                for (int i = 0; i < c.n; i++) {
                    int bits = rankBits(s[i]);
                    if (bits >>> 16 == hb) h[bits & 0xFFFF]++;
                }
            });
            int l = low.length - 1;
            while (above + low[l] < cut.k) above += low[l--];
            cut.cutAt(job, scratch, hb << 16 | l, above, low[l], null);
        }
    }

    /**
     * Score bits [lo, hi] that hold a cut's k-th highest score with near certainty, with about the
     * share `fraction` of the tensor's scores, and a limit on how many of those the pass may collect.
     */
    private record Band(RankCut cut, int lo, int hi, double fraction, long limit, AtomicLong collected,
                        AtomicBoolean overflow) {

        /**
         * The band judged from the sample's scores s (sorted is scratch at least as long) among the
         * tensor's n, or null when it would hold more scores than are worth collecting. The k-th
         * highest of n sits near rank k m / n of a sample of m, give or take a binomial spread; four
         * standard deviations (and a few ranks more, the sample's runs not being independent draws)
         * either side leave little to chance.
         */
        static Band around(RankCut cut, float[] s, int[] sorted, long n) {
            int m = s.length;
            for (int i = 0; i < m; i++) sorted[i] = rankBits(s[i]);
            Arrays.sort(sorted, 0, m);
            double p = (double) cut.k / n, rank = p * m - 1; // ranks from the top, 0 the highest
            double spread = 4 * Math.sqrt(m * p * (1 - p) * (1 - (double) m / n)) + 16;
            long top = (long) Math.floor(rank - spread), bottom = (long) Math.ceil(rank + spread);
            int hi = top < 0 ? Integer.MAX_VALUE : sorted[(int) (m - 1 - top)];
            int lo = bottom >= m ? 0 : sorted[(int) (m - 1 - bottom)];
            double fraction = (double) (upTo(sorted, m, hi) - upTo(sorted, m, lo - 1)) / m;
            long limit = Math.max(n / 32, 1 << 20); // 4 bytes each: an eighth of the scores' size as F32
            if (fraction * n > limit) return null;
            return new Band(cut, lo, hi, fraction, limit, new AtomicLong(), new AtomicBoolean());
        }

        /** How many of the sorted bits sorted[0, m) are at most x. */
        private static int upTo(int[] sorted, int m, int x) {
            int i = Arrays.binarySearch(sorted, 0, m, x);
            if (i < 0) return -i - 1;
            while (i < m && sorted[i] == x) i++;
            return i;
        }

        /** Room for the band's share of a block of `length` elements, and some. */
        long region(long length) {
            return Math.min(limit, (long) (1.25 * fraction * length) + 64);
        }

        /**
         * Sets the cut from the blocks' tallies, by a radix select among the band's scores as over a
         * whole tensor: on their top 16 bits (which take few values within a band), then on the low
         * 16 bits of the scores in the chosen bucket. False when the k-th highest score lies outside
         * the band. Runs no pass over the tensor, so that the cuts' picks can run side by side on the
         * merge's pool.
         */
        boolean pick(TensorJob job, int scratch, List<Tally> tallies) {
            if (overflow.get()) return false;
            long k = cut.k, above = 0, size = 0;
            for (Tally t : tallies) {
                above += t.above;
                size += t.size;
            }
            if (above >= k || above + size < k) return false;
            int from = lo >>> 16;
            int[] high = new int[(hi >>> 16) - from + 1];
            for (Tally t : tallies) t.countHigh(from, high);
            int hb = high.length - 1;
            while (above + high[hb] < k) above += high[hb--];
            hb += from;
            int[] low = job.ints(0, 1 << 16);
            Arrays.fill(low, 0, 1 << 16, 0);
            for (Tally t : tallies) t.countLow(hb, low);
            int l = (1 << 16) - 1;
            while (above + low[l] < k) above += low[l--];
            int bits = hb << 16 | l;
            if (bits > NAN_BITS) return false; // a NaN equals no score; the radix path keeps that rule
            long[] equalPerChunk = new long[job.chunks()];
            for (Tally t : tallies) t.countEqual(bits, equalPerChunk);
            cut.cutAt(job, scratch, bits, above, low[l], equalPerChunk);
            return true;
        }
    }

    /**
     * One block's count of the scores above a band, and the scores inside it (their rank bits), in
     * chunk order at found[base, base + size): run r holds the scores of chunk chunk[r], up to
     * found[base + end[r]]. found is the block's region of `room` ints in the band's store, or the
     * block's own array once the region is full.
     */
    private static final class Tally {
        final Band band;
        long above;
        int[] found;
        int base, room, size;
        int[] chunk = new int[16];
        int[] end = new int[16];
        int runs;

        Tally(Band band, int[] store, int base, int room) {
            this.band = band;
            this.found = store;
            this.base = base;
            this.room = room;
        }

        /** Counts the chunk's scores a[i] - b[i], or a[i] when b is null. */
        void add(Chunk c, float[] a, float[] b) {
            int before = size;
            boolean collect = !band.overflow.get();
            int i = 0;
            for (int bound = MergeKernels.F.loopBound(c.n); i < bound; i += MergeKernels.F.length()) {
                FloatVector s = FloatVector.fromArray(MergeKernels.F, a, i);
                count(b == null ? s : s.sub(FloatVector.fromArray(MergeKernels.F, b, i)), collect);
            }
            for (; i < c.n; i++) count(rankBits(b == null ? a[i] : a[i] - b[i]), collect);
            closeRun(c, before);
        }

        /** Counts the chunk's scores a[i] - b[i], a and b the BF16 bytes of two inputs (see Chunk.at), widened as read. */
        void addBf16(Chunk c, MemorySegment a, MemorySegment b) {
            int before = size;
            boolean collect = !band.overflow.get();
            long at = 2 * c.at;
            int i = 0;
            for (int bound = MergeKernels.F.loopBound(c.n); i < bound; i += MergeKernels.F.length()) {
                count(Convert.bf16Vector(a, at + 2L * i).sub(Convert.bf16Vector(b, at + 2L * i)), collect);
            }
            for (; i < c.n; i++) {
                count(rankBits(Convert.bf16ToF32(a.get(BF16, at + 2L * i)) - Convert.bf16ToF32(b.get(BF16, at + 2L * i))), collect);
            }
            closeRun(c, before);
        }

        /** Counts the scores s. */
        private void count(FloatVector s, boolean collect) {
            IntVector bits = s.reinterpretAsInts().and(0x7FFFFFFF);
            above += bits.compare(VectorOperators.GT, band.hi).trueCount();
            if (!collect) return;
            // the band's lanes packed to the front and stored whole at the end of found (the lanes
            // past them are overwritten next): no branch on data, which the band's scores would mispredict
            VectorMask<Integer> in = bits.compare(VectorOperators.GE, band.lo).and(bits.compare(VectorOperators.LE, band.hi));
            reserve(MergeKernels.F.length());
            bits.compress(in).intoArray(found, base + size);
            size += in.trueCount();
        }

        /** Counts one score, by its rank bits. */
        private void count(int bits, boolean collect) {
            if (bits > band.hi) above++;
            else if (collect && bits >= band.lo) {
                reserve(1);
                found[base + size++] = bits;
            }
        }

        /** Records the chunk's run of collected scores, those from found[before] on. */
        private void closeRun(Chunk c, int before) {
            if (size == before) return;
            if (runs == chunk.length) {
                chunk = Arrays.copyOf(chunk, 2 * runs);
                end = Arrays.copyOf(end, 2 * runs);
            }
            chunk[runs] = c.index;
            end[runs++] = size;
            if (band.collected.addAndGet(size - before) > band.limit) band.overflow.set(true);
        }

        // pick's three counts over the scores, each its own small method so that the JIT compiles
        // each loop on its own, quickly, rather than all of pick again for every loop that gets hot

        /** high[b - from] counts the scores whose top 16 bits are b. */
        void countHigh(int from, int[] high) {
            for (int i = base; i < base + size; i++) high[(found[i] >>> 16) - from]++;
        }

        /** low[b] counts the scores in bucket hb whose low 16 bits are b: each score adds 0 or 1, no branch to mispredict. */
        void countLow(int hb, int[] low) {
            for (int i = base; i < base + size; i++) low[found[i] & 0xFFFF] += found[i] >>> 16 == hb ? 1 : 0;
        }

        /** perChunk[c] counts the scores of chunk c whose bits are `bits`. */
        void countEqual(int bits, long[] perChunk) {
            for (int r = 0, i = base; r < runs; r++) {
                int equal = 0;
                for (; i < base + end[r]; i++) equal += found[i] == bits ? 1 : 0;
                perChunk[chunk[r]] += equal;
            }
        }

        /** Room in found for n more scores. */
        private void reserve(int n) {
            if (size + n <= room) return;
            room = Math.max(2 * room, size + n);
            found = Arrays.copyOfRange(found, base, base + room);
            base = 0;
        }
    }
}
