package dev.cocktail.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What `cocktail inspect` reports about a model: architecture, size, dtypes, shards, tensors. */
public record ModelSummary(String model, String architecture, String modelType, long parameters,
                           int shards, Map<String, Long> bytesByDtype, List<TensorSpec> tensors) {

    public static ModelSummary of(ModelDir dir) {
        String architecture = "unknown", modelType = "unknown";
        if (dir.hasConfig()) {
            ObjectNode config = dir.config();
            JsonNode arch = config.path("architectures");
            if (arch.isArray() && !arch.isEmpty() && arch.get(0).isTextual()) architecture = arch.get(0).textValue();
            if (config.path("model_type").isTextual()) modelType = config.get("model_type").textValue();
        }
        try (Checkpoint ck = dir.openCheckpoint()) {
            long params = 0;
            Map<String, Long> bytes = new TreeMap<>();
            for (Tensor t : ck.tensors()) {
                params += t.elementCount();
                bytes.merge(t.dtype().name(), t.byteSize(), Long::sum);
            }
            List<TensorSpec> specs = ck.tensors().stream().map(Tensor::spec).toList();
            return new ModelSummary(dir.name(), architecture, modelType, params, ck.shardCount(), bytes, specs);
        }
    }

    /** The stable JSON of SPEC section 8. */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("architecture", architecture);
        o.put("model_type", modelType);
        o.put("parameters", parameters);
        o.put("tensors", tensors.size());
        o.put("shards", shards);
        ObjectNode b = o.putObject("bytes_by_dtype");
        bytesByDtype.forEach(b::put);
        return o;
    }
}
