using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// How a preset's 2-D slice image is laid out over a z slice of its volume, so that results can go back to the voxels they
/// came from: rows are the volume's y index and columns its x (rows reversed when <see cref="FlipRows"/>, columns when
/// <see cref="FlipColumns"/>), or, when <see cref="Transposed"/>, rows are x and columns y with no flip (nibabel's
/// <c>data[:, :, z]</c>).
/// </summary>
public readonly record struct SliceLayout(bool Transposed, bool FlipRows, bool FlipColumns = false)
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
            : new SliceLayout(Transposed: false, SliceExtraction.FlipRowsForDisplay(volume), SliceExtraction.FlipColumnsForDisplay(volume));
    }

    /// <summary>
    /// How pictures for people show <paramref name="volume"/>'s slices (overlays, montages): anterior at the top as in
    /// the display layout, but with the columns as stored, so that an overlay shows the patient's sides where the
    /// input shows them (a DICOM image with the patient's right on the left, as viewers show it); only the model needs
    /// every file's columns to run the way its training slices' do.
    /// </summary>
    public static SliceLayout ForPictures(Volume volume) => Of(volume, SliceOrientation.Display) with { FlipColumns = false };

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
        if (!Transposed && !FlipColumns)
        {
            return FlipRows ? SliceExtraction.FlipRows(stored, width, height) : stored.ToArray();
        }

        var image = new T[stored.Length];
        int columns = Transposed ? height : width, rows = Transposed ? width : height;
        for (int row = 0; row < rows; row++)
        {
            for (int column = 0; column < columns; column++)
            {
                image[(row * columns) + column] = stored[StoredIndex(width, height, column, row)];
            }
        }

        return image;
    }

    /// <summary>
    /// A square slice image of this layout (<paramref name="size"/> x <paramref name="size"/>, a model input or a map made
    /// from one) as pictures of <paramref name="volume"/> show it (<see cref="ForPictures"/>). Pictures for people follow
    /// that layout whatever layout the model reads, so an imported checkpoint's transposed slices are not shown on their side.
    /// </summary>
    public T[] ToDisplay<T>(ReadOnlySpan<T> image, int size, Volume volume)
    {
        var display = ForPictures(volume);
        if (this == display)
        {
            return image.ToArray();
        }

        // Back to the stored layout (rows are y), then into the picture's.
        var stored = new T[image.Length];
        for (int row = 0; row < size; row++)
        {
            for (int column = 0; column < size; column++)
            {
                stored[StoredIndex(size, size, column, row)] = image[(row * size) + column];
            }
        }

        return display.Arrange<T>(stored, size, size);
    }

    /// <summary>Where the slice image's pixel (<paramref name="column"/>, <paramref name="row"/>) sits in its volume slice: x + width · y.</summary>
    public int SourceIndex(Volume volume, int column, int row)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return StoredIndex(volume.Width, volume.Height, column, row);
    }

    /// <summary>Where pixel (<paramref name="column"/>, <paramref name="row"/>) of this layout's image sits in a stored slice of <paramref name="width"/> x <paramref name="height"/>.</summary>
    private int StoredIndex(int width, int height, int column, int row)
    {
        var (x, y) = Transposed ? (row, column) : (column, row);
        x = (Transposed ? FlipRows : FlipColumns) ? width - 1 - x : x;
        y = (Transposed ? FlipColumns : FlipRows) ? height - 1 - y : y;
        return x + (width * y);
    }
}
