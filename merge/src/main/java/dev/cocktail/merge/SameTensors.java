package dev.cocktail.merge;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/** The tensor operations of merges whose inputs all have the same tensors: one per tensor of the reference model. */
final class SameTensors {
    private SameTensors() {}

    /**
     * Every tensor of model `ref`, in its file order, computed by `merge` from the same tensor of
     * each model (in the models' order). Floating tensors get `dtype`, or keep the reference's when
     * it is null; integer tensors are copied from the reference.
     */
    static List<PlannedTensor> plan(OpenModels models, int ref, TensorMerge merge, DType dtype) {
        models.requireSameTensors(ref);
        Checkpoint r = models.checkpoint(ref);
        List<PlannedTensor> plan = new ArrayList<>();
        for (Tensor t : r.tensors()) {
            if (!t.dtype().isFloat()) {
                plan.add(new PlannedTensor(t.name(), t.dtype(), t.shape(), List.of(t), TensorMerge.COPY));
                continue;
            }
            List<Tensor> sources = new ArrayList<>();
            for (int i = 0; i < models.size(); i++) sources.add(models.checkpoint(i).require(t.name()));
            plan.add(new PlannedTensor(t.name(), dtype == null ? t.dtype() : dtype, t.shape(), sources, merge));
        }
        return plan;
    }
}
