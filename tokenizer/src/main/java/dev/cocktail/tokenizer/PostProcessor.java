package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * tokenizer.json "post_processor": adds the special tokens around an encoded text or pair of texts and
 * sets the type ids. Before it runs, the first text's tokens have type id 0 and the second's 1. Each step
 * maps the segments to new segments, the next step of a Sequence continues from there, and the final
 * segments are concatenated.
 */
sealed interface PostProcessor {
    List<Encoding> process(List<Encoding> segments, boolean addSpecialTokens);

    /** How many tokens process adds to one text (or a pair) when asked to add special tokens; truncation leaves room for them. */
    int addedTokens(boolean pair);

    PostProcessor NONE = new Sequence(List.of());

    /** The one encoding of a text (second null) or a pair. */
    default Encoding apply(Encoding first, Encoding second, boolean addSpecialTokens) {
        return concat(process(second == null ? List.of(first) : List.of(first, second), addSpecialTokens));
    }

    static PostProcessor fromJson(JsonNode node) {
        if (Json.isNull(node)) return NONE;
        String type = Json.type(node, "post_processor");
        return switch (type) {
            case "TemplateProcessing" -> Template.fromJson(node);
            case "BertProcessing" -> Template.bert(special(node, "cls"), special(node, "sep"));
            case "RobertaProcessing" -> Template.roberta(special(node, "cls"), special(node, "sep"));
            case "ByteLevel" -> new ByteLevel();
            case "Sequence" -> new Sequence(Json.list(node, "processors", PostProcessor::fromJson));
            default -> throw Json.unsupported("post_processor", type);
        };
    }

    /** A ["token", id] pair of BertProcessing and RobertaProcessing. */
    private static Template.Piece special(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray() || v.size() != 2 || !v.get(0).isTextual() || !v.get(1).canConvertToInt()) {
            throw Json.invalid("\"" + field + "\" must be [token, id] in " + Json.brief(node));
        }
        return Template.Piece.special(new int[] {v.get(1).asInt()}, List.of(v.get(0).asText()), 0);
    }

    private static Encoding concat(List<Encoding> segments) {
        if (segments.size() == 1) return segments.get(0);
        IntList ids = new IntList(64);
        IntList types = new IntList(64);
        List<String> tokens = new ArrayList<>(64);
        for (Encoding e : segments) {
            ids.addAll(e.ids());
            types.addAll(e.typeIds());
            tokens.addAll(e.tokens());
        }
        return new Encoding(ids.toArray(), tokens, types.toArray());
    }

    /**
     * The texts' tokens and special tokens in the order of the "single" or "pair" template; the pieces'
     * type ids replace the texts' own, also when no special tokens are added.
     */
    record Template(List<Piece> single, List<Piece> pair) implements PostProcessor {
        /** A piece is text A (sequence 0), text B (sequence 1), or a special token's ids and strings (sequence -1). */
        record Piece(int sequence, int[] ids, List<String> tokens, int typeId) {
            static Piece text(int sequence, int typeId) {
                return new Piece(sequence, new int[0], List.of(), typeId);
            }

            static Piece special(int[] ids, List<String> tokens, int typeId) {
                return new Piece(-1, ids, tokens, typeId);
            }

            Piece withType(int type) {
                return new Piece(sequence, ids, tokens, type);
            }

            boolean isText() {
                return sequence >= 0;
            }
        }

        /** BERT's [CLS] A [SEP] and [CLS] A [SEP] B [SEP], the second text and its [SEP] with type id 1. */
        static Template bert(Piece cls, Piece sep) {
            return new Template(List.of(cls, Piece.text(0, 0), sep),
                    List.of(cls, Piece.text(0, 0), sep, Piece.text(1, 1), sep.withType(1)));
        }

        /** RoBERTa's &lt;s&gt; A &lt;/s&gt; and &lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;, every type id 0. */
        static Template roberta(Piece cls, Piece sep) {
            return new Template(List.of(cls, Piece.text(0, 0), sep),
                    List.of(cls, Piece.text(0, 0), sep, sep, Piece.text(1, 0), sep));
        }

        static Template fromJson(JsonNode node) {
            JsonNode specials = node.get("special_tokens");
            java.util.function.Function<JsonNode, Piece> piece = p -> {
                if (p.has("Sequence")) {
                    JsonNode seq = p.get("Sequence");
                    String id = Json.text(seq, "id");
                    if (!id.equals("A") && !id.equals("B")) throw Json.invalid("template sequence '" + id + "' is neither A nor B");
                    return Piece.text(id.equals("A") ? 0 : 1, Json.integer(seq, "type_id", 0));
                }
                JsonNode special = p.get("SpecialToken");
                if (special == null) throw Json.invalid("template piece " + Json.brief(p) + " is neither Sequence nor SpecialToken");
                String name = Json.text(special, "id");
                JsonNode def = specials == null ? null : specials.get(name);
                if (def == null) throw Json.invalid("template special token '" + name + "' is missing from \"special_tokens\"");
                int[] ids = Json.list(def, "ids", JsonNode::asInt).stream().mapToInt(Integer::intValue).toArray();
                return Piece.special(ids, Json.list(def, "tokens", JsonNode::asText), Json.integer(special, "type_id", 0));
            };
            List<Piece> pair = Json.isNull(node.get("pair")) ? List.of() : Json.list(node, "pair", piece);
            return new Template(Json.list(node, "single", piece), pair);
        }

        public List<Encoding> process(List<Encoding> segments, boolean addSpecialTokens) {
            List<Piece> template = segments.size() == 2 ? pair : single;
            if (segments.size() == 2 && pair.stream().noneMatch(Piece::isText)) {
                throw new TokenizerException("this tokenizer's post-processor has no template for pairs of texts");
            }
            IntList ids = new IntList(64);
            IntList types = new IntList(64);
            List<String> tokens = new ArrayList<>(64);
            for (Piece piece : template) {
                if (piece.isText()) {
                    Encoding encoding = segments.get(Math.min(piece.sequence(), segments.size() - 1));
                    ids.addAll(encoding.ids());
                    tokens.addAll(encoding.tokens());
                    for (int i = 0; i < encoding.length(); i++) types.add(piece.typeId());
                } else if (addSpecialTokens) {
                    ids.addAll(piece.ids());
                    tokens.addAll(piece.tokens());
                    for (int i = 0; i < piece.ids().length; i++) types.add(piece.typeId());
                }
            }
            return List.of(new Encoding(ids.toArray(), tokens, types.toArray()));
        }

        public int addedTokens(boolean isPair) {
            int n = 0;
            for (Piece piece : isPair ? pair : single) n += piece.ids().length;
            return n;
        }
    }

    /** Byte-level post-processing only trims offsets, which encodings here do not carry. */
    record ByteLevel() implements PostProcessor {
        public List<Encoding> process(List<Encoding> segments, boolean addSpecialTokens) {
            return segments;
        }

        public int addedTokens(boolean pair) {
            return 0;
        }
    }

    record Sequence(List<PostProcessor> steps) implements PostProcessor {
        public List<Encoding> process(List<Encoding> segments, boolean addSpecialTokens) {
            for (PostProcessor step : steps) segments = step.process(segments, addSpecialTokens);
            return segments;
        }

        public int addedTokens(boolean pair) {
            int n = 0;
            for (PostProcessor step : steps) n += step.addedTokens(pair);
            return n;
        }
    }
}
