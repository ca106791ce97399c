using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// Carotid ultrasound (ALGORITHM.md 4.4): every frame of a cine (or the single frame of a PNG/JPEG); burned-in UI bands
/// (text, scales, ECG traces around the imaged area) are cropped away; when the caller knows the
/// vessel region, the crop is that box grown by <see cref="VesselMargin"/> about its centre (the reference trained on
/// vessel boxes grown by 1.1-1.5x); the crop is then squashed to the model size (aspect ratio not kept, as the reference).
/// A colour frame is read as the reference reads it, by its blue channel, unless <see cref="ColourToGrey"/>
/// asks for luminance.
/// </summary>
public sealed record UltrasoundPreset : IModalityPreset
{
    public string Name => "ultrasound";

    public int ModelSize { get; init; } = 128;

    public IntensityScaling Scaling { get; init; } = IntensityScaling.MinMax;

    /// <summary>The vessel's bounding box in the frame, if known (from a detector or the portal); null uses the image area.</summary>
    public PixelRect? VesselRegion { get; init; }

    public double VesselMargin { get; init; } = 1.3;

    /// <summary>How a colour frame becomes grey; the reference's blue channel unless asked otherwise. Grey frames are taken as stored.</summary>
    public ColourToGrey ColourToGrey { get; init; } = ColourToGrey.Reference;

    /// <summary>The frame is judged in square blocks of this many pixels (finer than text strokes are sparse).</summary>
    public int BlockSize { get; init; } = 4;

    /// <summary>A block belongs to the imaged area when at least this share of its pixels is above the dark level.</summary>
    public double BlockActiveShare { get; init; } = 0.5;

    /// <summary>The dark level as a fraction of the frame's maximum.</summary>
    public double DarkLevel { get; init; } = 0.02;

    public PreparedScan Prepare(Volume volume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var grey = GreyFrames(volume);
        var slices = new List<ModelSlice>();
        for (int z = 0; z < volume.Depth; z++)
        {
            // Per frame: a long cine takes seconds, and a shutdown deadline or Ctrl-C must not wait for all of it.
            cancellationToken.ThrowIfCancellationRequested();
            var frame = SliceLayout.AsStored.Extract(grey, z);
            var area = ImageArea(frame, volume.Width, volume.Height);
            var crop = VesselRegion is { } vessel ? vessel.Expand(VesselMargin, volume.Width, volume.Height) : area;
            var pixels = SliceExtraction.ToModelInput(frame, volume.Width, crop, ModelSize, Scaling);
            var foreground = Enumerable.Repeat(true, ModelSize * ModelSize).ToArray();
            slices.Add(new ModelSlice(z, crop, SliceLayout.AsStored, pixels, foreground));
        }

        return new PreparedScan(volume, Name, ModelSize, slices);
    }

    /// <summary>
    /// The frames to prepare: the colour source's blue channel for <see cref="ColourToGrey.Reference"/>, else the voxels.
    /// The prepared scan keeps the volume as read, whose geometry the maps are written back on.
    /// </summary>
    private Volume GreyFrames(Volume volume) => ColourToGrey == ColourToGrey.Reference && volume.BlueChannel is { } blue
        ? new Volume(blue, volume.Width, volume.Height, volume.Depth, volume.Geometry, volume.Modality, volume.Provenance)
        : volume;

    /// <summary>
    /// The imaged area without UI bands: the bounding box of the largest 4-connected region of active blocks. B-mode
    /// images and sectors are large connected regions; burned-in text, scales and ECG traces are sparse or separate.
    /// </summary>
    public PixelRect ImageArea(float[] frame, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(frame);
        int size = Math.Max(1, BlockSize);
        int bw = (width + size - 1) / size, bh = (height + size - 1) / size;
        float dark = (float)(frame.Max() * DarkLevel);
        var active = new bool[bw * bh];
        for (int by = 0; by < bh; by++)
        {
            for (int bx = 0; bx < bw; bx++)
            {
                int count = 0, total = 0;
                for (int y = by * size; y < Math.Min((by + 1) * size, height); y++)
                {
                    for (int x = bx * size; x < Math.Min((bx + 1) * size, width); x++)
                    {
                        count += frame[(y * width) + x] > dark ? 1 : 0;
                        total++;
                    }
                }

                active[(by * bw) + bx] = count >= total * BlockActiveShare;
            }
        }

        var box = LargestComponentBox(active, bw, bh);
        if (box is not var (x0, y0, x1, y1))
        {
            return PixelRect.Full(width, height);
        }

        int left = x0 * size, top = y0 * size;
        return new PixelRect(left, top, Math.Min((x1 + 1) * size, width) - left, Math.Min((y1 + 1) * size, height) - top);
    }

    /// <summary>Inclusive block bounds of the largest 4-connected component, or null when no block is active.</summary>
    private static (int X0, int Y0, int X1, int Y1)? LargestComponentBox(bool[] active, int width, int height)
    {
        var seen = new bool[active.Length];
        var queue = new Queue<int>();
        (int X0, int Y0, int X1, int Y1)? best = null;
        int bestCount = 0;
        for (int start = 0; start < active.Length; start++)
        {
            if (!active[start] || seen[start])
            {
                continue;
            }

            int count = 0, x0 = width, y0 = height, x1 = -1, y1 = -1;
            seen[start] = true;
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                int at = queue.Dequeue();
                int x = at % width, y = at / width;
                count++;
                (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
                foreach (int next in (ReadOnlySpan<int>)[x > 0 ? at - 1 : -1, x < width - 1 ? at + 1 : -1, y > 0 ? at - width : -1, y < height - 1 ? at + width : -1])
                {
                    if (next >= 0 && active[next] && !seen[next])
                    {
                        seen[next] = true;
                        queue.Enqueue(next);
                    }
                }
            }

            if (count > bestCount)
            {
                (bestCount, best) = (count, (x0, y0, x1, y1));
            }
        }

        return best;
    }
}
