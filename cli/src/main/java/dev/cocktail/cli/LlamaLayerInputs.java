package dev.cocktail.cli;

import dev.cocktail.engine.ModelDir;
import dev.cocktail.merge.LayerInputs;
import dev.cocktail.models.Llama;

/** models' decoder forward pass, as the MoE merge routes prompts with it. */
record LlamaLayerInputs(Llama model) implements LayerInputs {

    static LayerInputs open(ModelDir dir) {
        return new LlamaLayerInputs(Llama.load(dir));
    }

    @Override
    public float[][] of(int[] ids) {
        return model.layerInputs(ids);
    }

    @Override
    public void close() {
        model.close();
    }
}
