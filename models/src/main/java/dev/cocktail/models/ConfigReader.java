package dev.cocktail.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;

/** Typed fields of a config.json object, with errors that name the file and the key. */
record ConfigReader(ObjectNode node, String where) {

    boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    int positiveInt(String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() <= 0) {
            throw new CocktailException(where + ": '" + key + "' is missing or not a positive integer.");
        }
        return v.intValue();
    }

    int positiveInt(String key, int fallback) {
        return has(key) ? positiveInt(key) : fallback;
    }

    /** A count that may be 0 (max_window_layers). */
    int positiveIntOrZero(String key, int fallback) {
        if (!has(key)) return fallback;
        JsonNode v = node.get(key);
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 0) {
            throw new CocktailException(where + ": '" + key + "' is not a non-negative integer.");
        }
        return v.intValue();
    }

    /** A feature that an explicit null turns off (0), with a default when the key is absent (softcapping). */
    double optionalPositive(String key, double absent) {
        if (!node.has(key)) return absent;
        return has(key) ? positiveNumber(key) : 0;
    }

    /** A list of exactly `length` positive numbers (longrope's factors). */
    double[] positiveNumbers(String key, int length) {
        JsonNode v = node.get(key);
        if (v == null || !v.isArray() || v.size() != length) {
            throw new CocktailException(where + ": '" + key + "' is not a list of " + length + " numbers (one per rotary frequency).");
        }
        double[] out = new double[length];
        for (int i = 0; i < length; i++) {
            if (!v.get(i).isNumber() || !(v.get(i).doubleValue() > 0)) {
                throw new CocktailException(where + ": '" + key + "' holds " + v.get(i) + ", not a positive number.");
            }
            out[i] = v.get(i).doubleValue();
        }
        return out;
    }

    double positiveNumber(String key, double fallback) {
        return has(key) ? positiveNumber(key) : fallback;
    }

    double positiveNumber(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) throw new CocktailException(where + ": '" + key + "' is missing.");
        if (!v.isNumber() || !(v.doubleValue() > 0) || Double.isInfinite(v.doubleValue())) {
            throw new CocktailException(where + ": '" + key + "' is not a positive number.");
        }
        return v.doubleValue();
    }

    boolean bool(String key, boolean fallback) {
        if (!has(key)) return fallback;
        JsonNode v = node.get(key);
        if (!v.isBoolean()) throw new CocktailException(where + ": '" + key + "' is not true or false.");
        return v.booleanValue();
    }

    String text(String key, String fallback) {
        if (!has(key)) return fallback;
        JsonNode v = node.get(key);
        if (!v.isTextual()) throw new CocktailException(where + ": '" + key + "' is not a string.");
        return v.textValue();
    }

    /** A nested object, or null when absent or null. */
    ConfigReader object(String key) {
        if (!has(key)) return null;
        if (!(node.get(key) instanceof ObjectNode o)) throw new CocktailException(where + ": '" + key + "' is not an object.");
        return new ConfigReader(o, where + " " + key);
    }
}
