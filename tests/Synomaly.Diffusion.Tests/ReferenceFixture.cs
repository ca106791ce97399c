using System.Buffers.Binary;
using System.Text.Json;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

/// <summary>Reads the reference fixtures (../shared/fixtures/reference-unet): raw float32 little-endian tensors and the meta JSON.</summary>
internal static class ReferenceFixture
{
    public static string Path(string name) => System.IO.Path.Combine(TestPaths.ReferenceFixtures, name);

    public static float[] ReadFloats(string name)
    {
        byte[] bytes = File.ReadAllBytes(Path(name));
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4, 4));
        }

        return values;
    }

    public static Tensor ReadTensor(string name, params long[] shape) => tensor(ReadFloats(name)).reshape(shape);

    public static JsonElement Meta(string name = "tiny_meta.json")
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path(name)));
        return document.RootElement.Clone();
    }
}
