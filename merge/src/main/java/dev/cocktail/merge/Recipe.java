package dev.cocktail.merge;

import java.util.List;

/**
 * What lets a merge be redone from its output folder alone: the file written beside the model
 * card (mergekit_config.yml for a mergekit recipe, cocktail.json for a mix or an extrapolation),
 * and the tags the card gets for how the merge was made.
 *
 * @param tags     the card's tags besides "merge" ("mergekit", "lm-cocktail", "extrapolation", ...)
 * @param fileName the file's name in the output folder
 * @param text     its content
 */
public record Recipe(List<String> tags, String fileName, String text) {}
