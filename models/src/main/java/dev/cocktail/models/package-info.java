/**
 * Forward passes and what runs on them: the Llama-family decoder and the BERT encoder with their
 * configs, LM-Cocktail's scoring (each model's loss on few-shot examples, weights =
 * softmax(-loss / T)), eval, greedy generation and sentence embeddings. Nothing here merges.
 * <p>
 * Words: a <b>tensor lookup</b> finds a model's weights and checks their shapes against config.json;
 * <b>examples</b> are the few-shot data; a <b>loss</b> is averaged as LM-Cocktail averages it.
 */
package dev.cocktail.models;
