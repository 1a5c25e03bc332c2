package dev.cocktail.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer.json read in one streaming pass. The model's "vocab" and "merges" (a quarter and half a
 * million entries in Gemma 3's file) go straight into a map and an array of id pairs: as a JSON tree they
 * would cost several objects per entry and most of the load time. Everything else becomes a tree,
 * the model without those two fields. Merges become ids as they are read when the vocab came first (as
 * Hugging Face writes the file), else once the model is read: half a million pairs of strings kept alive
 * through the parse were copied by every young collection on the way.
 *
 * @param vocab  the model's token to id, or null when it has none
 * @param merges the BPE merges' token ids, left and right of merge r at 2r and 2r + 1, in rank order
 *               ("#version" comment lines dropped), or null when the model has none
 */
record TokenizerJson(ObjectNode root, Map<String, Integer> vocab, int[] merges) {

    /** The root object, or a Json.Invalid when the file holds another JSON value. */
    static TokenizerJson read(ObjectMapper mapper, JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) throw Json.invalid("not a JSON object");
        ObjectNode root = mapper.createObjectNode();
        Map<String, Integer> vocab = null;
        IntList merges = null;
        List<String> pending = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (p.nextToken() != JsonToken.START_OBJECT || !name.equals("model")) {
                root.set(name, p.readValueAsTree());
                continue;
            }
            ObjectNode model = root.putObject("model");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken value = p.nextToken();
                if (key.equals("vocab") && value == JsonToken.START_OBJECT) {
                    vocab = vocab(p);
                } else if (key.equals("merges") && value == JsonToken.START_ARRAY) {
                    merges = new IntList(1 << 16);
                    pending = merges(p, vocab, merges);
                } else {
                    model.set(key, p.readValueAsTree());
                }
            }
        }
        // without a vocab there is nothing to look the merges up in: requireVocab says so
        if (pending != null && vocab != null) {
            for (String token : pending) merges.add(id(vocab, token));
        }
        return new TokenizerJson(root, vocab, merges == null ? null : merges.toArray());
    }

    /** The model's vocab, which every model has. */
    Map<String, Integer> requireVocab() {
        if (vocab == null) throw Json.invalid("the model's \"vocab\" must be an object of token: id");
        return vocab;
    }

    private static Map<String, Integer> vocab(JsonParser p) throws IOException {
        Map<String, Integer> out = new HashMap<>(1 << 16);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            JsonToken id = p.nextToken();
            if (id != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                throw Json.invalid("vocab entry '" + token + "' has no valid id");
            }
            out.put(token, p.getIntValue());
        }
        return out;
    }

    /**
     * Merges as "a b" strings (the older form) or [a, b] pairs, into out as ids when the vocab is
     * known; else the tokens, in order, for the caller to look up once it is.
     */
    private static List<String> merges(JsonParser p, Map<String, Integer> vocab, IntList out) throws IOException {
        List<String> pending = vocab == null ? new ArrayList<>() : null;
        int rank = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            rank++;
            String left, right;
            if (t == JsonToken.VALUE_STRING) {
                String merge = p.getText();
                // "#version" lines are comments carried over from merges.txt
                if (merge.startsWith("#version")) {
                    rank--;
                    continue;
                }
                int space = merge.indexOf(' ');
                if (space < 0 || merge.indexOf(' ', space + 1) >= 0) {
                    throw Json.invalid("merge " + rank + " '" + merge + "' is not two tokens separated by a space");
                }
                left = merge.substring(0, space);
                right = merge.substring(space + 1);
            } else if (t == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                left = p.getText();
                if (p.nextToken() != JsonToken.VALUE_STRING) throw notAPair(rank);
                right = p.getText();
                if (p.nextToken() != JsonToken.END_ARRAY) throw notAPair(rank);
            } else {
                throw notAPair(rank);
            }
            if (pending != null) {
                pending.add(left);
                pending.add(right);
            } else {
                out.add(id(vocab, left));
                out.add(id(vocab, right));
            }
        }
        return pending;
    }

    private static int id(Map<String, Integer> vocab, String token) {
        Integer id = vocab.get(token);
        if (id == null) throw Json.invalid("merge token '" + token + "' is not in the vocabulary");
        return id;
    }

    private static Json.Invalid notAPair(int rank) {
        return Json.invalid("merge " + rank + " is neither \"a b\" nor [\"a\", \"b\"]");
    }
}
