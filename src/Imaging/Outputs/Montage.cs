using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Synomaly.Imaging.Outputs;

/// <summary>Tiles per-slice overlays of a volume into one image (row by row, in slice order) for a quick overview.</summary>
public static class Montage
{
    private const int Gap = 2;

    /// <param name="tiles">The overlays; smaller tiles are placed top-left in a cell the size of the largest.</param>
    /// <param name="columns">Tiles per row; null chooses a near-square grid.</param>
    public static Image<Rgb24> Render(IReadOnlyList<Image<Rgb24>> tiles, int? columns = null)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        if (tiles.Count == 0)
        {
            throw new ArgumentException("A montage needs at least one tile.", nameof(tiles));
        }

        int cols = Math.Clamp(columns ?? (int)Math.Ceiling(Math.Sqrt(tiles.Count)), 1, tiles.Count);
        int rows = (tiles.Count + cols - 1) / cols;
        int cellWidth = tiles.Max(t => t.Width), cellHeight = tiles.Max(t => t.Height);
        var montage = new Image<Rgb24>((cols * cellWidth) + ((cols - 1) * Gap), (rows * cellHeight) + ((rows - 1) * Gap));
        montage.Mutate(context =>
        {
            for (int i = 0; i < tiles.Count; i++)
            {
                var at = new Point((i % cols) * (cellWidth + Gap), (i / cols) * (cellHeight + Gap));
                context.DrawImage(tiles[i], at, 1f);
            }
        });
        return montage;
    }

    public static byte[] RenderPng(IReadOnlyList<Image<Rgb24>> tiles, int? columns = null)
    {
        using var image = Render(tiles, columns);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
