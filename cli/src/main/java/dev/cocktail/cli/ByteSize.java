package dev.cocktail.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Sizes such as 5GB, 500MB, 1.5GiB or a plain byte count, for --shard-size (decimal units, as transformers uses). */
final class ByteSize implements CommandLine.ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]I?B?|B)?");

    @Override
    public Long convert(String s) {
        return parse(s);
    }

    static long parse(String s) {
        Matcher m = SIZE.matcher(s.strip().toUpperCase(Locale.ROOT));
        if (!m.matches()) throw new CommandLine.TypeConversionException("'" + s + "' is not a size like 5GB or 500MB");
        String unit = m.group(2) == null ? "B" : m.group(2);
        boolean binary = unit.contains("I");
        long base = binary ? 1024 : 1000;
        long mult = switch (unit.charAt(0)) {
            case 'K' -> base;
            case 'M' -> base * base;
            case 'G' -> base * base * base;
            case 'T' -> base * base * base * base;
            default -> 1;
        };
        double bytes = Double.parseDouble(m.group(1)) * mult;
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) throw new CommandLine.TypeConversionException("'" + s + "' is out of range");
        return (long) bytes;
    }
}
