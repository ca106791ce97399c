namespace Synomaly.Imaging.Synthesis;

/// <summary>
/// Irregular blob-like lesion shapes: an ellipse whose radius is modulated by a few random low-frequency harmonics, so that
/// shapes look organic rather than geometric. Fully determined by the random source.
/// </summary>
public static class ProceduralShapeGenerator
{
    public static BinaryShape Generate(Random random, double meanRadius)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(meanRadius, 1.0);
        double elongation = 0.6 + (0.8 * random.NextDouble());
        double orientation = random.NextDouble() * Math.PI;
        const int harmonics = 4;
        var amplitudes = new double[harmonics];
        var phases = new double[harmonics];
        for (int k = 0; k < harmonics; k++)
        {
            amplitudes[k] = random.NextDouble() * 0.25 / (k + 1);
            phases[k] = random.NextDouble() * 2 * Math.PI;
        }

        int half = (int)Math.Ceiling(meanRadius * 2.2) + 1;
        int size = (2 * half) + 1;
        var pixels = new bool[size * size];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double dx = x - half, dy = y - half;
                double u = (Math.Cos(orientation) * dx) + (Math.Sin(orientation) * dy);
                double v = (-Math.Sin(orientation) * dx) + (Math.Cos(orientation) * dy);
                double theta = Math.Atan2(v, u);
                double radius = meanRadius;
                for (int k = 0; k < harmonics; k++)
                {
                    radius *= 1 + (amplitudes[k] * Math.Sin(((k + 2) * theta) + phases[k]));
                }

                double r = Math.Sqrt((u * u) + (v / elongation * (v / elongation)));
                pixels[x + (size * y)] = r <= radius;
            }
        }

        return new BinaryShape(pixels, size, size).Cropped();
    }
}
