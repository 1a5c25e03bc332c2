package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** A checkpoint shared by two owners stays mapped until both have closed it. */
class CheckpointSharingTest {

    @Test
    void theMappingLivesUntilTheLastOwnerCloses() {
        Checkpoint first = Checkpoint.open(TestData.path("llama/tiny-mha-f32"));
        Tensor t = first.tensors().getFirst();
        byte b = t.data().get(ValueLayout.JAVA_BYTE, 0);
        Checkpoint second = first.share();
        assertSame(first, second, "one mapping, two owners");
        first.close();
        assertEquals(b, t.data().get(ValueLayout.JAVA_BYTE, 0), "still mapped for the second owner");
        second.close();
        assertThrows(IllegalStateException.class, () -> t.data().get(ValueLayout.JAVA_BYTE, 0), "unmapped after the last close");
        second.close(); // a further close does nothing
        assertThrows(IllegalStateException.class, first::share, "a closed checkpoint is not shared again");
    }

    @Test
    void aFailedOwnerClosesItsShare() {
        Checkpoint c = Checkpoint.open(TestData.path("llama/tiny-mha-f32"));
        Tensor t = c.tensors().getFirst();
        Checkpoint shared = c.share();
        assertThrows(CocktailException.class, () -> shared.handTo(x -> {
            throw new CocktailException("bad config");
        }));
        t.data().get(ValueLayout.JAVA_BYTE, 0); // the caller's share is still open
        c.close();
        assertThrows(IllegalStateException.class, () -> t.data().get(ValueLayout.JAVA_BYTE, 0));
    }
}
