using System.Text.Json;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

/// <summary>Reads the reference fixtures (../shared/fixtures/reference-unet): raw float32 little-endian tensors and the meta JSON.</summary>
internal static class ReferenceFixture
{
    public static string Path(string name) => System.IO.Path.Combine(TestPaths.ReferenceFixtures, name);

    public static float[] ReadFloats(string name)
    {
        using var values = ReferenceVerification.ReadFloat32(Path(name), [-1]);
        return values.data<float>().ToArray();
    }

    public static Tensor ReadTensor(string name, params long[] shape) => ReferenceVerification.ReadFloat32(Path(name), shape);

    public static JsonElement Meta(string name = "tiny_meta.json")
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path(name)));
        return document.RootElement.Clone();
    }
}
