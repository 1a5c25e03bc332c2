/** The Java API: {@link dev.cocktail.Cocktail}, one static method per command of the command line. */
package dev.cocktail;
