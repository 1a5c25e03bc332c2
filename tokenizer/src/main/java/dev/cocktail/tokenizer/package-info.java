/**
 * Hugging Face tokenizers re-implemented from tokenizer.json: normalizer, pre-tokenizer, model
 * (BPE, WordPiece), post-processor templates, added tokens and the decoder, with the Rust library's
 * results id for id.
 * <p>
 * Words: a <b>split</b> is a piece of text the pre-tokenizer hands to the model; an <b>encoding</b> is
 * the ids with their offsets, type ids and masks; a <b>batch</b> is encodings padded to one length.
 */
package dev.cocktail.tokenizer;
