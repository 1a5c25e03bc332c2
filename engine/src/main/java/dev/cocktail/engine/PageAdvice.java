package dev.cocktail.engine;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Asks Linux to back a file mapping with 2 MB pages ({@code madvise(MADV_HUGEPAGE)}). Decoding
 * rereads every weight each token; on 4 KB pages a multi-GB model needs a million page-table entries
 * that the TLB cannot hold, and with the advice the page cache that faults through the mapping is
 * filled in 2 MB folios, each mapped by one entry. Pages already cached in small folios stay small:
 * the advice helps the loader that fills the cache, not one that finds it filled.
 * <p>
 * Only advice: the bytes read through the mapping are the same either way. Where it cannot be given
 * (not Linux, no native access granted to this module, no libc {@code madvise}, the kernel says no),
 * nothing happens and nothing is printed.
 */
final class PageAdvice {
    private PageAdvice() {}

    /** Linux's value of MADV_HUGEPAGE (asm-generic/mman-common.h, the same on x86-64 and arm64). */
    private static final int MADV_HUGEPAGE = 14;
    private static final long PAGE = 4096;

    private static final Optional<MethodHandle> MADVISE = madvise();

    /**
     * Gives the advice for a mapping that starts on a page (as {@code FileChannel.map} at offset 0
     * does); says whether the kernel took it. Never throws.
     */
    static boolean hugePages(MemorySegment map) {
        if (MADVISE.isEmpty() || !map.isNative() || map.address() % PAGE != 0 || map.byteSize() == 0) return false;
        try {
            return (int) MADVISE.get().invokeExact(MemorySegment.ofAddress(map.address()), map.byteSize(), MADV_HUGEPAGE) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * libc's madvise, only on Linux and only when this module may call native code: asking for the
     * handle without that grant would print the JVM's restricted-method warning to the user.
     */
    @SuppressWarnings("restricted")
    private static Optional<MethodHandle> madvise() {
        try {
            if (!System.getProperty("os.name", "").startsWith("Linux") || !PageAdvice.class.getModule().isNativeAccessEnabled())
                return Optional.empty();
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise").map(symbol -> linker.downcallHandle(symbol,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)));
        } catch (Throwable e) {
            return Optional.empty();
        }
    }
}
