/**
 * Everything about merging: LM-Cocktail mixing (Mix), ExPO extrapolation (Extrapolation), mergekit
 * recipes (MergekitConfig, MergekitMerge) and their methods (Method, one entry each), the streaming
 * driver, and the files written beside the merged weights (config, tokenizer, model card).
 * <p>
 * Words: a <b>plan</b> (MergePlan) is a merge worked out before anything is written: the open inputs,
 * one <b>tensor operation</b> per output tensor (PlannedTensor: its inputs and a TensorMerge), and the
 * card's lines; mix, extrapolate and recipes each build one and write() runs it. A <b>job</b>
 * (TensorJob) is the work on one output tensor, cut into <b>chunks</b> (Chunk: a run of elements of
 * every input, widened to F32) that a TensorOp combines; the <b>driver</b> (MergeDriver) runs the jobs
 * in plan order on a fixed pool and hands the narrowed bytes to the <b>sink</b> (TensorSink), the
 * checkpoint writer, through a staging directory renamed into place when complete.
 */
package dev.cocktail.merge;
