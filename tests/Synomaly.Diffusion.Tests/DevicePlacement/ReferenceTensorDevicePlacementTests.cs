using Synomaly.Diffusion.Weights;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>
/// The reference tensors <c>verify-reference</c> reads (raw float32 files) are made on the CPU by name and only then moved
/// to the verification device: made on the default device, they landed wherever the process's default pointed.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class ReferenceTensorDevicePlacementTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("synomaly-reference-trap-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void A_raw_float32_reference_tensor_is_read_onto_the_cpu_whatever_the_default_device()
    {
        float[] values = [1.5f, -2f, 3.25f, 0f, 7f, -0.5f];
        string path = Path.Combine(root, "x.f32");
        File.WriteAllBytes(path, values.SelectMany(BitConverter.GetBytes).ToArray());
        using var scope = NewDisposeScope();

        var read = ImplicitDeviceTrap.Run(() => ReferenceVerification.ReadFloat32(path, [-1, 3]));

        ImplicitDeviceTrap.AssertSame(tensor(values).reshape(2, 3), read);
    }
}
