package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reading tokenizer.json fields. Component factories only know the JSON node, not the file, so they
 * throw {@link Invalid} with the problem alone; {@link Tokenizer#load} adds the file to the message.
 */
final class Json {
    private Json() {}

    /** A problem with a component's JSON; becomes a {@link TokenizerException} naming the file. */
    static final class Invalid extends RuntimeException {
        Invalid(String problem) {
            super(problem, null, false, false);
        }
    }

    static Invalid invalid(String problem) {
        return new Invalid(problem);
    }

    static boolean isNull(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode();
    }

    static String type(JsonNode node, String family) {
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) throw invalid(family + " without a \"type\"");
        return type.asText();
    }

    static Invalid unsupported(String family, String type) {
        return invalid("unsupported " + family + " type '" + type + "'");
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) throw invalid("\"" + field + "\" must be a string in " + brief(node));
        return v.asText();
    }

    /** A string field that may be absent or null. */
    static String optionalText(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (isNull(v)) return null;
        if (!v.isTextual()) throw invalid("\"" + field + "\" must be a string in " + brief(node));
        return v.asText();
    }

    static boolean bool(JsonNode node, String field, boolean fallback) {
        JsonNode v = node.get(field);
        if (isNull(v)) return fallback;
        if (!v.isBoolean()) throw invalid("\"" + field + "\" must be true or false in " + brief(node));
        return v.asBoolean();
    }

    static int integer(JsonNode node, String field, int fallback) {
        JsonNode v = node.get(field);
        if (isNull(v)) return fallback;
        if (!v.canConvertToInt()) throw invalid("\"" + field + "\" must be an integer in " + brief(node));
        return v.asInt();
    }

    /** A string field holding exactly one Unicode character (Rust's char), as a code point. */
    static int character(JsonNode node, String field) {
        String s = text(node, field);
        if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
            throw invalid("\"" + field + "\" must be a single character in " + brief(node));
        }
        return s.codePointAt(0);
    }

    static <T> List<T> list(JsonNode node, String field, Function<JsonNode, T> element) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) throw invalid("\"" + field + "\" must be a list in " + brief(node));
        List<T> out = new ArrayList<>(v.size());
        for (JsonNode e : v) out.add(element.apply(e));
        return List.copyOf(out);
    }

    /** The start of a node's JSON, to point at it in a message. */
    static String brief(JsonNode node) {
        String s = node.toString();
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
