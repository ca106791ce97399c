using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// How a preset's 2-D slice image is laid out over a z slice of its volume, so that results can go back to the voxels they
/// came from: rows are the volume's y index and columns its x (rows reversed when <see cref="FlipRows"/>), or, when
/// <see cref="Transposed"/>, rows are x and columns y with no flip (nibabel's <c>data[:, :, z]</c>).
/// </summary>
public readonly record struct SliceLayout(bool Transposed, bool FlipRows)
{
    /// <summary>The slice as stored: rows are y, columns x, nothing reversed.</summary>
    public static SliceLayout AsStored { get; } = new(Transposed: false, FlipRows: false);

    /// <summary>
    /// The layout of <paramref name="volume"/>'s slices in <paramref name="orientation"/>. Plain images (PNG, JPEG) are
    /// used as stored in both orientations: a 2-D picture has no nibabel axes, and the reference reads its 2-D inputs
    /// (the ultrasound PNGs) with cv2, whose array rows are the picture's rows.
    /// </summary>
    public static SliceLayout Of(Volume volume, SliceOrientation orientation)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return orientation == SliceOrientation.ReferenceArray && !SliceExtraction.IsPlainImage(volume)
            ? new SliceLayout(Transposed: true, FlipRows: false)
            : new SliceLayout(Transposed: false, SliceExtraction.FlipRowsForDisplay(volume));
    }

    /// <summary>Columns of the slice image of <paramref name="volume"/>.</summary>
    public int Width(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return Transposed ? volume.Height : volume.Width;
    }

    /// <summary>Rows of the slice image of <paramref name="volume"/>.</summary>
    public int Height(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return Transposed ? volume.Width : volume.Height;
    }

    /// <summary>Slice <paramref name="z"/> laid out in this layout, row-major.</summary>
    public float[] Extract(Volume volume, int z)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return Arrange<float>(volume.Slice(z), volume.Width, volume.Height);
    }

    /// <summary>
    /// Anything stored as a volume slice is (row-major, rows are y: <paramref name="width"/> x <paramref name="height"/>)
    /// laid out in this layout, so that it stays aligned with <see cref="Extract"/>'s image (a lesion mask drawn on the
    /// stored slice, for example).
    /// </summary>
    public T[] Arrange<T>(ReadOnlySpan<T> stored, int width, int height)
    {
        if (!Transposed)
        {
            return FlipRows ? SliceExtraction.FlipRows(stored, width, height) : stored.ToArray();
        }

        var image = new T[stored.Length];
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++)
            {
                image[(x * height) + y] = stored[(y * width) + x];
            }
        }

        return image;
    }

    /// <summary>
    /// A square slice image of this layout (<paramref name="size"/> x <paramref name="size"/>, a model input or a map made
    /// from one) as the display layout of <paramref name="volume"/> shows it. Pictures for people follow the display layout
    /// whatever layout the model reads, so an imported checkpoint's transposed slices are not shown on their side.
    /// </summary>
    public T[] ToDisplay<T>(ReadOnlySpan<T> image, int size, Volume volume)
    {
        var display = Of(volume, SliceOrientation.Display);
        if (this == display)
        {
            return image.ToArray();
        }

        // Back to the stored layout (rows are y): a transpose undoes itself, and so does a row flip.
        var stored = Transposed ? new SliceLayout(Transposed: true, FlipRows: false).Arrange(image, size, size)
            : FlipRows ? SliceExtraction.FlipRows(image, size, size)
            : image.ToArray();
        return display.Arrange<T>(stored, size, size);
    }

    /// <summary>Where the slice image's pixel (<paramref name="column"/>, <paramref name="row"/>) sits in its volume slice: x + width · y.</summary>
    public int SourceIndex(Volume volume, int column, int row)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (Transposed)
        {
            return row + (volume.Width * column);
        }

        int y = FlipRows ? volume.Height - 1 - row : row;
        return column + (volume.Width * y);
    }
}
