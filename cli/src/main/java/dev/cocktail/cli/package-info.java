/**
 * The picocli command line: one class per subcommand, each parsing its options and calling one
 * library function in merge or models; shared option groups (OutputOptions, ScoringOptions), the
 * terminal progress bar and the score report.
 */
package dev.cocktail.cli;
