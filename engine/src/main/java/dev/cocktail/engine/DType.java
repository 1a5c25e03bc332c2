package dev.cocktail.engine;

import java.util.Locale;

/** Element types of safetensors files, with the names the format uses. */
public enum DType {
    F64(8, true),
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    I64(8, false),
    I32(4, false),
    I16(2, false),
    I8(1, false),
    U8(1, false),
    BOOL(1, false),
    // 8-bit floats can be read and copied, but no arithmetic is done on them.
    F8_E4M3(1, false),
    F8_E5M2(1, false);

    private final int byteSize;
    private final boolean arithmetic;

    DType(int byteSize, boolean arithmetic) {
        this.byteSize = byteSize;
        this.arithmetic = arithmetic;
    }

    public int byteSize() {
        return byteSize;
    }

    /** True for the floating types that merges and forward passes compute with (F64, F32, F16, BF16). */
    public boolean isFloat() {
        return arithmetic;
    }

    /** The dtype named in a safetensors header, or null when the name is not one we know. */
    public static DType fromSafetensors(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }

    /** Parses a user's `--dtype` (f32, bf16, f16, also float32/bfloat16/float16). */
    public static DType fromOption(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "f32", "float32", "fp32", "float" -> F32;
            case "bf16", "bfloat16" -> BF16;
            case "f16", "float16", "fp16", "half" -> F16;
            case "f64", "float64", "double" -> F64;
            default -> throw new CocktailException("unknown dtype '" + s + "': use f32, bf16 or f16");
        };
    }

    /** The name transformers writes as `torch_dtype` in config.json. */
    public String torchName() {
        return switch (this) {
            case F64 -> "float64";
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case I64 -> "int64";
            case I32 -> "int32";
            case I16 -> "int16";
            case I8 -> "int8";
            case U8 -> "uint8";
            case BOOL -> "bool";
            case F8_E4M3 -> "float8_e4m3fn";
            case F8_E5M2 -> "float8_e5m2";
        };
    }

    /** The dtype of a config.json `torch_dtype` value, or null when unknown. */
    public static DType fromTorchName(String s) {
        for (DType d : values()) {
            if (d.torchName().equals(s)) return d;
        }
        return null;
    }
}
