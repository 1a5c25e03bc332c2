package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import org.junit.jupiter.api.Test;

/** Each method's base-model and input-count rules, as its own entry states them. */
class MethodTest {

    private static String refused(Method m, int k, String base, boolean baseAmong) {
        return assertThrows(CocktailException.class, () -> m.checkInputs(k, base, baseAmong, "r.yml")).getMessage();
    }

    @Test
    void baseRules() {
        assertTrue(Method.TIES.usesBase() && Method.NUSLERP.usesBase());
        assertTrue(!Method.LINEAR.usesBase() && !Method.KARCHER.usesBase() && !Method.PASSTHROUGH.usesBase());
        assertEquals("r.yml: ties needs the base model b among each slice's sources, got 2 model(s).",
                refused(Method.TIES, 2, "b", false));
        Method.NUSLERP.checkInputs(2, null, false, "r.yml");
        Method.NUSLERP.checkInputs(3, "b", true, "r.yml");
        Method.LINEAR.checkInputs(1, "b", true, "r.yml");
    }

    @Test
    void inputCounts() {
        assertEquals("r.yml: slerp merges exactly two models (the base and one other), got 3 model(s).",
                refused(Method.SLERP, 3, "b", true));
        assertEquals("r.yml: nuslerp merges exactly two models (plus an optional base), got 2 model(s).",
                refused(Method.NUSLERP, 2, "b", true));
        assertEquals("r.yml: model_stock needs the base and at least two other models, got 2 model(s).",
                refused(Method.MODEL_STOCK, 2, "b", true));
        assertEquals("r.yml: passthrough takes exactly one source per slice, got 2 model(s).",
                refused(Method.PASSTHROUGH, 2, null, false));
        assertEquals("r.yml: dare_ties needs at least one model besides the base, got 1 model(s).",
                refused(Method.DARE_TIES, 1, "b", true));
        Method.MODEL_STOCK.checkInputs(3, "b", true, "r.yml");
    }
}
