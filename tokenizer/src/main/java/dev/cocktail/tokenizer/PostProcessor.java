package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * tokenizer.json "post_processor": adds the special tokens around an encoded text. Only single texts
 * are encoded here, so only the "single" templates matter.
 */
sealed interface PostProcessor {
    Encoding process(Encoding encoding, boolean addSpecialTokens);

    /** How many tokens process adds when asked to add special tokens; truncation leaves room for them. */
    int addedTokens();

    PostProcessor NONE = new Sequence(List.of());

    static PostProcessor fromJson(JsonNode node) {
        if (Json.isNull(node)) return NONE;
        String type = Json.type(node, "post_processor");
        return switch (type) {
            case "TemplateProcessing" -> Template.fromJson(node);
            // For one text BERT's [CLS] A [SEP] and RoBERTa's <s> A </s> are the same shape.
            case "BertProcessing", "RobertaProcessing" -> Template.around(pair(node, "cls"), pair(node, "sep"));
            case "ByteLevel" -> new ByteLevel();
            case "Sequence" -> new Sequence(Json.list(node, "processors", PostProcessor::fromJson));
            default -> throw Json.unsupported("post_processor", type);
        };
    }

    /** A ["token", id] pair of BertProcessing and RobertaProcessing. */
    private static Template.Piece pair(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray() || v.size() != 2 || !v.get(0).isTextual() || !v.get(1).canConvertToInt()) {
            throw Json.invalid("\"" + field + "\" must be [token, id] in " + Json.brief(node));
        }
        return new Template.Piece(false, new int[] {v.get(1).asInt()}, List.of(v.get(0).asText()), 0);
    }

    /** The text's tokens and special tokens in the order of the "single" template. */
    record Template(List<Piece> single) implements PostProcessor {
        /** A piece is the text itself (sequence) or a special token's ids and strings. */
        record Piece(boolean sequence, int[] ids, List<String> tokens, int typeId) {}

        static Template around(Piece before, Piece after) {
            return new Template(List.of(before, new Piece(true, new int[0], List.of(), 0), after));
        }

        static Template fromJson(JsonNode node) {
            JsonNode specials = node.get("special_tokens");
            return new Template(Json.list(node, "single", piece -> {
                if (piece.has("Sequence")) return new Piece(true, new int[0], List.of(), Json.integer(piece.get("Sequence"), "type_id", 0));
                JsonNode special = piece.get("SpecialToken");
                if (special == null) throw Json.invalid("template piece " + Json.brief(piece) + " is neither Sequence nor SpecialToken");
                String name = Json.text(special, "id");
                JsonNode def = specials == null ? null : specials.get(name);
                if (def == null) throw Json.invalid("template special token '" + name + "' is missing from \"special_tokens\"");
                int[] ids = Json.list(def, "ids", JsonNode::asInt).stream().mapToInt(Integer::intValue).toArray();
                return new Piece(false, ids, Json.list(def, "tokens", JsonNode::asText), Json.integer(special, "type_id", 0));
            }));
        }

        public Encoding process(Encoding encoding, boolean addSpecialTokens) {
            IntList ids = new IntList(encoding.length() + 4);
            IntList types = new IntList(encoding.length() + 4);
            List<String> tokens = new ArrayList<>(encoding.length() + 4);
            for (Piece piece : single) {
                if (piece.sequence()) {
                    ids.addAll(encoding.ids());
                    tokens.addAll(encoding.tokens());
                    for (int i = 0; i < encoding.length(); i++) types.add(piece.typeId());
                } else if (addSpecialTokens) {
                    ids.addAll(piece.ids());
                    tokens.addAll(piece.tokens());
                    for (int i = 0; i < piece.ids().length; i++) types.add(piece.typeId());
                }
            }
            return new Encoding(ids.toArray(), tokens, types.toArray());
        }

        public int addedTokens() {
            int n = 0;
            for (Piece piece : single) n += piece.ids().length;
            return n;
        }
    }

    /** Byte-level post-processing only trims offsets, which encodings here do not carry. */
    record ByteLevel() implements PostProcessor {
        public Encoding process(Encoding encoding, boolean addSpecialTokens) {
            return encoding;
        }

        public int addedTokens() {
            return 0;
        }
    }

    record Sequence(List<PostProcessor> steps) implements PostProcessor {
        public Encoding process(Encoding encoding, boolean addSpecialTokens) {
            for (PostProcessor step : steps) encoding = step.process(encoding, addSpecialTokens);
            return encoding;
        }

        public int addedTokens() {
            int n = 0;
            for (PostProcessor step : steps) n += step.addedTokens();
            return n;
        }
    }
}
