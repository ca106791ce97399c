namespace Synomaly.Imaging.Synthesis;

/// <summary>A binary shape on a small grid (row-major, true = inside). Shapes are cropped to their bounding box.</summary>
public sealed class BinaryShape
{
    public BinaryShape(bool[] pixels, int width, int height)
    {
        if (pixels.Length != width * height)
        {
            throw new ArgumentException($"Expected {width * height} pixels for {width}x{height}, got {pixels.Length}.", nameof(pixels));
        }

        Pixels = pixels;
        Width = width;
        Height = height;
    }

    public bool[] Pixels { get; }

    public int Width { get; }

    public int Height { get; }

    public int Area => Pixels.Count(p => p);

    public bool this[int x, int y] => Pixels[x + (Width * y)];

    /// <summary>The same shape cropped to the bounding box of its inside pixels (an empty shape stays 0x0).</summary>
    public BinaryShape Cropped()
    {
        int minX = Width, minY = Height, maxX = -1, maxY = -1;
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                if (this[x, y])
                {
                    minX = Math.Min(minX, x);
                    maxX = Math.Max(maxX, x);
                    minY = Math.Min(minY, y);
                    maxY = Math.Max(maxY, y);
                }
            }
        }

        if (maxX < 0)
        {
            return new BinaryShape([], 0, 0);
        }

        int w = maxX - minX + 1, h = maxY - minY + 1;
        var cropped = new bool[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                cropped[x + (w * y)] = this[x + minX, y + minY];
            }
        }

        return new BinaryShape(cropped, w, h);
    }
}
