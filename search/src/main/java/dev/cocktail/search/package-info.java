/**
 * Merge search: a space of candidate merges (LM-Cocktail's weights and temperature, ExMe's
 * extrapolation, a mergekit recipe with ranges), a strategy that walks it (grid, CMA-ES), and
 * evaluators that score each candidate on validation data. A candidate is a merge plan that is never
 * written: its merged tensors are computed layer by layer into scratch memory and run on the examples.
 */
package dev.cocktail.search;
