package dev.cocktail.engine;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors JSON header against the size of the data that follows it.
 * Every rule of the format is checked before a single tensor is exposed, so a bad file is
 * refused whole, with the file and the reason in the message.
 */
record SafetensorsHeader(List<Entry> entries, Map<String, String> metadata) {

    /** Headers above this size are refused (the format's own reader uses the same bound). */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    record Entry(String name, DType dtype, long[] shape, long begin, long end) {}


    static SafetensorsHeader parse(String file, byte[] json, long dataLength) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            String why = e.getOriginalMessage();
            if (why != null && why.startsWith("Duplicate field")) {
                throw bad(file, "a tensor name repeats (" + why + ")");
            }
            throw bad(file, "the header is not valid JSON (" + Json.firstLine(why) + ")");
        } catch (java.io.IOException e) {
            throw bad(file, "the header cannot be read (" + CocktailException.reason(e) + ")");
        }
        if (root == null || !root.isObject()) throw bad(file, "the header is not a JSON object");

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode v = field.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw bad(file, "__metadata__ is not an object of strings");
                v.fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) throw bad(file, "__metadata__ value '" + m.getKey() + "' is not a string");
                    metadata.put(m.getKey(), m.getValue().textValue());
                });
                continue;
            }
            entries.add(entry(file, name, v));
        }
        checkLayout(file, entries, dataLength);
        return new SafetensorsHeader(entries, metadata);
    }

    private static Entry entry(String file, String name, JsonNode v) {
        if (!v.isObject()) throw bad(file, "tensor '" + name + "' is not described by an object");
        JsonNode dt = v.get("dtype"), shapeNode = v.get("shape"), offsets = v.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw bad(file, "tensor '" + name + "' has no dtype");
        DType dtype = DType.fromSafetensors(dt.textValue());
        if (dtype == null) throw bad(file, "tensor '" + name + "' has unknown dtype '" + dt.textValue() + "'");
        if (shapeNode == null || !shapeNode.isArray()) throw bad(file, "tensor '" + name + "' has no shape array");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong()) throw bad(file, "tensor '" + name + "' has a non-integer shape entry");
            shape[i] = d.longValue();
            if (shape[i] < 0) throw bad(file, "tensor '" + name + "' has a negative shape entry " + shape[i]);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(Tensor.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw bad(file, "tensor '" + name + "' has a shape whose element count overflows");
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw bad(file, "tensor '" + name + "' needs data_offsets [begin, end]");
        }
        long begin = offsets.get(0).longValue(), end = offsets.get(1).longValue();
        if (begin < 0 || end < begin) throw bad(file, "tensor '" + name + "' has data_offsets out of order [" + begin + ", " + end + "]");
        if (end - begin != bytes) {
            throw bad(file, "tensor '" + name + "' spans " + (end - begin) + " bytes but its dtype " + dtype
                    + " and shape need " + bytes);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** The tensors must tile the data exactly: from 0, no gap, no overlap, up to the end of the file. */
    private static void checkLayout(String file, List<Entry> entries, long dataLength) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin() < at) throw bad(file, "tensor '" + e.name() + "' overlaps the tensor before it");
            if (e.begin() > at) throw bad(file, "there is a hole of " + (e.begin() - at) + " bytes before tensor '" + e.name() + "'");
            at = e.end();
        }
        if (at != dataLength) {
            throw bad(file, at > dataLength
                    ? "tensor data runs " + (at - dataLength) + " bytes past the end of the file"
                    : "the tensors end " + (dataLength - at) + " bytes before the end of the file");
        }
    }

    static CocktailException bad(String file, String why) {
        return new CocktailException(file + ": not a valid safetensors file: " + why + ".");
    }
}
