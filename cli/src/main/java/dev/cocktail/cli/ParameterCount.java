package dev.cocktail.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Counts such as 5B, 500M or 2.5K, as mergekit's parse_kmb reads them: K a thousand, M a million,
 * B a billion (not bytes: for --out-shard-size they count parameters).
 */
final class ParameterCount implements CommandLine.ITypeConverter<Long> {
    private static final Pattern COUNT = Pattern.compile("(\\d+(?:\\.\\d+)?)([KMB]?)");

    @Override
    public Long convert(String s) {
        Matcher m = COUNT.matcher(s.strip().toUpperCase(Locale.ROOT));
        if (!m.matches()) throw new CommandLine.TypeConversionException("'" + s + "' is not a count like 5B, 500M or 1000");
        double scale = switch (m.group(2)) {
            case "K" -> 1e3;
            case "M" -> 1e6;
            case "B" -> 1e9;
            default -> 1;
        };
        double n = Double.parseDouble(m.group(1)) * scale;
        if (n < 1 || n > 1e15) throw new CommandLine.TypeConversionException("'" + s + "' is out of range");
        return (long) n;
    }
}
