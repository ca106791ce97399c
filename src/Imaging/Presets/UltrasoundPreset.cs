using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// Carotid ultrasound (ALGORITHM.md 4.4): every frame of a cine (or the single frame of a PNG/JPEG); burned-in UI bands
/// (rows and columns at the border that are mostly black with sparse text) are cropped away; when the caller knows the
/// vessel region, the crop is that box grown by <see cref="VesselMargin"/> about its centre (the reference trained on
/// vessel boxes grown by 1.1-1.5x); the crop is then squashed to the model size (aspect ratio not kept, as the reference).
/// </summary>
public sealed record UltrasoundPreset : IModalityPreset
{
    public string Name => "ultrasound";

    public int ModelSize { get; init; } = 128;

    public IntensityScaling Scaling { get; init; } = IntensityScaling.MinMax;

    /// <summary>The vessel's bounding box in the frame, if known (from a detector or the portal); null uses the image area.</summary>
    public PixelRect? VesselRegion { get; init; }

    public double VesselMargin { get; init; } = 1.3;

    /// <summary>A row or column belongs to the image area when at least this share of its pixels is above the dark level.</summary>
    public double MinActiveShare { get; init; } = 0.3;

    /// <summary>The dark level as a fraction of the frame's maximum.</summary>
    public double DarkLevel { get; init; } = 0.02;

    public PreparedScan Prepare(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var slices = new List<ModelSlice>();
        for (int z = 0; z < volume.Depth; z++)
        {
            var frame = SliceExtraction.DisplaySlice(volume, z, flipRows: false);
            var area = ImageArea(frame, volume.Width, volume.Height);
            var crop = VesselRegion is { } vessel ? vessel.Expand(VesselMargin, volume.Width, volume.Height) : area;
            var pixels = SliceExtraction.ToModelInput(frame, volume.Width, crop, ModelSize, Scaling);
            var foreground = Enumerable.Repeat(true, ModelSize * ModelSize).ToArray();
            slices.Add(new ModelSlice(z, crop, false, pixels, foreground));
        }

        return new PreparedScan(volume, Name, ModelSize, slices);
    }

    /// <summary>The bounding box of the longest runs of active rows and columns: the frame without its UI bands.</summary>
    public PixelRect ImageArea(float[] frame, int width, int height)
    {
        float max = frame.Max();
        float dark = (float)(max * DarkLevel);
        var rowActive = new bool[height];
        var colCounts = new int[width];
        for (int y = 0; y < height; y++)
        {
            int count = 0;
            for (int x = 0; x < width; x++)
            {
                if (frame[(y * width) + x] > dark)
                {
                    count++;
                    colCounts[x]++;
                }
            }

            rowActive[y] = count >= width * MinActiveShare;
        }

        var (top, rows) = LongestRun(rowActive);
        var (left, cols) = LongestRun([.. colCounts.Select(c => c >= height * MinActiveShare)]);
        return rows == 0 || cols == 0 ? PixelRect.Full(width, height) : new PixelRect(left, top, cols, rows);
    }

    private static (int Start, int Length) LongestRun(bool[] active)
    {
        int bestStart = 0, bestLength = 0;
        for (int i = 0; i < active.Length;)
        {
            if (!active[i])
            {
                i++;
                continue;
            }

            int start = i;
            while (i < active.Length && active[i])
            {
                i++;
            }

            if (i - start > bestLength)
            {
                (bestStart, bestLength) = (start, i - start);
            }
        }

        return (bestStart, bestLength);
    }
}
