package dev.cocktail.cli;

import picocli.CommandLine.Command;

@Command(name = "inspect", description = "Show a model's architecture, dtypes, parameter count and shards.")
final class InspectCommand implements Runnable {
    @Override
    public void run() {
        throw new UnsupportedOperationException("inspect is being written");
    }
}
