using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Synomaly.Cli.Reliability;

/// <summary>
/// Distinct good scans from one healthy slice: job i gets the slice with its index written into three corner pixels,
/// so every upload has its own content, hence its own scan id, and the model sees a realistic image.
/// </summary>
public static class SoakScans
{
    private const int Base = 250;

    public static async Task<IReadOnlyList<byte[]>> CreateAsync(string baseScan, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Base * Base * Base);
        using var slice = await Image.LoadAsync<L8>(baseScan, cancellationToken);
        var scans = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            slice[0, 0] = new L8((byte)(1 + (i % Base)));
            slice[1, 0] = new L8((byte)(1 + (i / Base % Base)));
            slice[2, 0] = new L8((byte)(1 + (i / (Base * Base))));
            using var png = new MemoryStream();
            await slice.SaveAsPngAsync(png, cancellationToken);
            scans.Add(png.ToArray());
        }

        return scans;
    }
}
