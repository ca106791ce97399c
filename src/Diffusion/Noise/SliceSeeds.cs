using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Synomaly.Diffusion.Noise;

/// <summary>A slice's noise seed: a hash of its float32 pixels and a salt, so the same pixels always draw the same noise.</summary>
public static class SliceSeeds
{
    /// <summary>The first 8 bytes of SHA-256(salt, little-endian ‖ pixels' float32 bytes).</summary>
    public static long Of(ReadOnlySpan<float> pixels, long salt)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> saltBytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(saltBytes, salt);
        hash.AppendData(saltBytes);
        hash.AppendData(MemoryMarshal.AsBytes(pixels));
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return BinaryPrimitives.ReadInt64LittleEndian(digest);
    }

    /// <summary>The seeds of a batch whose slices lie one after another in <paramref name="pixels"/>, each <paramref name="sliceLength"/> long.</summary>
    public static long[] OfBatch(ReadOnlySpan<float> pixels, int sliceLength, long salt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sliceLength, 1);
        if (pixels.Length % sliceLength != 0)
        {
            throw new ArgumentException($"{pixels.Length} pixels are not whole slices of {sliceLength}.", nameof(pixels));
        }

        var seeds = new long[pixels.Length / sliceLength];
        for (var i = 0; i < seeds.Length; i++)
        {
            seeds[i] = Of(pixels.Slice(i * sliceLength, sliceLength), salt);
        }

        return seeds;
    }
}
