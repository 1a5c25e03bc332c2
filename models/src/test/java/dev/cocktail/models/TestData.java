package dev.cocktail.models;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's shared test data (copies of the shared fixtures), found by walking up to testdata/. */
final class TestData {
    private TestData() {}

    static Path path(String relative) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath());
        return p.resolve("testdata").resolve(relative);
    }

    static float[] floats(Checkpoint c, String name) {
        Tensor t = c.require(name);
        float[] v = new float[Math.toIntExact(t.elementCount())];
        t.toF32(0, v, 0, v.length);
        return v;
    }

    static int[] ints(Checkpoint c, String name) {
        Tensor t = c.require(name);
        ValueLayout.OfLong layout = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        int[] v = new int[Math.toIntExact(t.elementCount())];
        for (int i = 0; i < v.length; i++) v[i] = Math.toIntExact(t.data().get(layout, 8L * i));
        return v;
    }
}
