package dev.cocktail.merge;

import java.util.Collections;

/**
 * The search benchmark's candidates, built with the merge package's own pieces until the search's
 * spaces build plans from open inputs: ExPO over input 0 as the base, as `extrapolate` writes it.
 */
public final class SearchBenchPlans {
    private SearchBenchPlans() {}

    public static MergePlan extrapolate(OpenModels m, float[] w, float alpha) {
        return new MergePlan(m, SameTensors.plan(m, 1, Extrapolation.extrapolated(w, alpha), null), m.dir(1), m.dir(1), m.mainDtype(1), 0,
                "ExPO extrapolation", Collections.nCopies(m.size(), "input"), java.util.List.of(), null);
    }
}
