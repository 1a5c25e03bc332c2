/**
 * The numeric kernels of the forward passes: matrix products (Gemm), attention, norms, activations,
 * RoPE, each a short loop over FloatVector with a scalar tail, behind the Kernels interface that a
 * pass is given (CpuKernels today), and the worker pool that splits them across cores.
 * <p>
 * Words: a <b>row</b> is one token's vector; matrices stay in their file dtype and are widened to F32
 * a block at a time; results never depend on the number of threads.
 */
package dev.cocktail.engine.kernels;
