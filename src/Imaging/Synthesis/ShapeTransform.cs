namespace Synomaly.Imaging.Synthesis;

/// <summary>
/// A similarity transform applied to a lesion shape: optional horizontal flip, rotation (degrees) and isotropic scale,
/// by inverse mapping with nearest-neighbour sampling so that the result stays binary.
/// </summary>
public sealed record ShapeTransform(bool FlipHorizontal, double RotationDegrees, double Scale)
{
    public BinaryShape Apply(BinaryShape shape)
    {
        if (shape.Width == 0 || shape.Height == 0)
        {
            return shape;
        }

        // The flip is exact (a column mirror) before the resampled rotation and scale.
        if (FlipHorizontal)
        {
            shape = Mirror(shape);
        }

        if (RotationDegrees % 360 == 0 && Scale == 1)
        {
            return shape.Cropped();
        }

        double angle = RotationDegrees * Math.PI / 180.0;
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        double cx = (shape.Width - 1) / 2.0, cy = (shape.Height - 1) / 2.0;
        // The output canvas holds the rotated, scaled bounding box of the input.
        double half = Math.Sqrt((shape.Width * shape.Width) + (shape.Height * shape.Height)) * Scale / 2.0;
        int size = Math.Max(1, (int)Math.Ceiling(2 * half) + 1);
        double ox = (size - 1) / 2.0, oy = (size - 1) / 2.0;
        var pixels = new bool[size * size];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                // Output -> input: undo scale, then rotation.
                double dx = (x - ox) / Scale, dy = (y - oy) / Scale;
                double sx = (cos * dx) + (sin * dy), sy = (-sin * dx) + (cos * dy);

                int ix = (int)Math.Round(sx + cx), iy = (int)Math.Round(sy + cy);
                if (ix >= 0 && iy >= 0 && ix < shape.Width && iy < shape.Height)
                {
                    pixels[x + (size * y)] = shape[ix, iy];
                }
            }
        }

        return new BinaryShape(pixels, size, size).Cropped();
    }

    private static BinaryShape Mirror(BinaryShape shape)
    {
        var pixels = new bool[shape.Pixels.Length];
        for (int y = 0; y < shape.Height; y++)
        {
            for (int x = 0; x < shape.Width; x++)
            {
                pixels[x + (shape.Width * y)] = shape[shape.Width - 1 - x, y];
            }
        }

        return new BinaryShape(pixels, shape.Width, shape.Height);
    }
}
