namespace Synomaly.Imaging.Synthesis;

/// <summary>
/// Inserts one synthetic lesion into a healthy slice, for evaluation (this is not the Synomaly training noise).
/// Shapes are real lesion cross-sections or procedural blobs, randomly flipped, rotated and scaled, placed entirely inside
/// a region: the estimated brain mask, or the region the caller gives (another organ's); intensity follows one of the
/// <see cref="IntensityModel"/>s, relative to the tissue of that region. Every draw comes from <c>new Random(seed)</c>, so
/// a case is rebuilt exactly from its source image, region and seed. The returned mask is exact: a pixel is in it if and
/// only if its value changed.
/// </summary>
public sealed class LesionSynthesizer(IReadOnlyList<BinaryShape> realShapes, SynthesisOptions options)
{
    /// <summary>A lesion inside the brain mask <see cref="BrainMaskEstimator"/> estimates from <paramref name="image"/>.</summary>
    public SynthesizedCase Synthesize(ReadOnlySpan<float> image, int width, int height, int seed) =>
        Synthesize(image, width, height, seed, BrainMaskEstimator.Estimate(image, width, height));

    /// <summary>A lesion entirely inside <paramref name="region"/> (width x height, row-major, like the image).</summary>
    public SynthesizedCase Synthesize(ReadOnlySpan<float> image, int width, int height, int seed, bool[] region)
    {
        ArgumentNullException.ThrowIfNull(region);
        if (image.Length != width * height || region.Length != width * height)
        {
            throw new ArgumentException($"Expected {width * height} pixels and region pixels, got {image.Length} and {region.Length}.", nameof(image));
        }

        var random = new Random(seed);
        int regionArea = region.Count(b => b);
        if (regionArea < 100)
        {
            throw new InvalidOperationException("The slice has too little tissue in its lesion region (under 100 pixels) to place a lesion in.");
        }

        bool useReal = realShapes.Count > 0 && random.NextDouble() < options.RealShapeProbability;
        int realIndex = useReal ? random.Next(realShapes.Count) : -1;
        var transform = new ShapeTransform(
            random.NextDouble() < 0.5,
            random.NextDouble() * 360.0,
            useReal ? options.MinScale + (random.NextDouble() * (options.MaxScale - options.MinScale)) : 1.0);
        var baseShape = useReal
            ? realShapes[realIndex]
            : ProceduralShapeGenerator.Generate(random, options.MinRadius + (random.NextDouble() * (options.MaxRadius - options.MinRadius)));
        var shape = transform.Apply(baseShape);
        // Shrink lesions too large for this region until they fit the area budget.
        while (shape.Area > options.MaxBrainFraction * regionArea && transform.Scale > 0.1)
        {
            transform = transform with { Scale = transform.Scale * 0.8 };
            shape = transform.Apply(baseShape);
        }

        var position = Place(shape, region, width, height, random);
        // A shape that fits nowhere (a thin organ, coarse pixels) shrinks until it fits. Only draws that used to fail take
        // this path, so every lesion that could be placed before is drawn exactly as before.
        while (position is null && transform.Scale > 0.1)
        {
            var smaller = transform with { Scale = transform.Scale * 0.8 };
            var smallerShape = smaller.Apply(baseShape);
            if (smallerShape.Area == 0)
            {
                break;
            }

            (transform, shape) = (smaller, smallerShape);
            position = Place(shape, region, width, height, random);
        }

        var (cx, cy) = position ?? throw new InvalidOperationException("No position keeps the lesion inside the lesion region.");
        var model = options.Models[random.Next(options.Models.Count)];
        var stats = BrainStatistics.Of(image, region);
        double target = TargetIntensity(model, stats, random);

        var output = image.ToArray();
        var mask = new bool[width * height];
        int x0 = cx - (shape.Width / 2), y0 = cy - (shape.Height / 2);
        for (int sy = 0; sy < shape.Height; sy++)
        {
            for (int sx = 0; sx < shape.Width; sx++)
            {
                if (!shape[sx, sy])
                {
                    continue;
                }

                int p = x0 + sx + (width * (y0 + sy));
                double weight = EdgeWeight(shape, sx, sy);
                double texture = model == IntensityModel.Textured ? stats.StandardDeviation * 0.6 * ((random.NextDouble() * 2) - 1) : 0;
                double value = image[p] + (weight * (target + texture - image[p]));
                output[p] = ChangedValue(image[p], value, target, options.MaxValue);
                mask[p] = true;
            }
        }

        var parameters = new LesionParameters
        {
            Seed = seed,
            ShapeKind = useReal ? "real" : "procedural",
            RealShapeIndex = realIndex,
            FlipHorizontal = transform.FlipHorizontal,
            RotationDegrees = transform.RotationDegrees,
            Scale = transform.Scale,
            CentreX = cx,
            CentreY = cy,
            Model = model,
            TargetIntensity = target,
            Area = shape.Area,
        };
        return new SynthesizedCase(output, mask, width, height, parameters);
    }

    private (int X, int Y)? Place(BinaryShape shape, bool[] region, int width, int height, Random random)
    {
        for (int attempt = 0; attempt < options.PlacementAttempts; attempt++)
        {
            int cx = random.Next(width), cy = random.Next(height);
            if (region[cx + (width * cy)] && Fits(shape, region, width, height, cx, cy))
            {
                return (cx, cy);
            }
        }

        return null;
    }

    private static bool Fits(BinaryShape shape, bool[] region, int width, int height, int cx, int cy)
    {
        int x0 = cx - (shape.Width / 2), y0 = cy - (shape.Height / 2);
        for (int sy = 0; sy < shape.Height; sy++)
        {
            for (int sx = 0; sx < shape.Width; sx++)
            {
                if (!shape[sx, sy])
                {
                    continue;
                }

                int x = x0 + sx, y = y0 + sy;
                if (x < 0 || y < 0 || x >= width || y >= height || !region[x + (width * y)])
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static double TargetIntensity(IntensityModel model, BrainStatistics stats, Random random) => model switch
    {
        IntensityModel.Hypointense => stats.P05 + ((stats.Mean - stats.P05) * 0.4 * random.NextDouble()) - (0.5 * stats.StandardDeviation),
        IntensityModel.Hyperintense => stats.P95 + ((0.5 + random.NextDouble()) * stats.StandardDeviation),
        _ => stats.Mean * (0.7 + (0.6 * random.NextDouble())),
    };

    /// <summary>A one-pixel soft rim: border pixels of the shape move 60% of the way, interior pixels all the way.</summary>
    private static double EdgeWeight(BinaryShape shape, int x, int y)
    {
        bool interior = x > 0 && y > 0 && x < shape.Width - 1 && y < shape.Height - 1
            && shape[x - 1, y] && shape[x + 1, y] && shape[x, y - 1] && shape[x, y + 1];
        return interior ? 1.0 : 0.6;
    }

    /// <summary>Rounds to the integer grey scale and guarantees a change of at least one level, so the mask stays exact.</summary>
    private static float ChangedValue(float original, double value, double target, float maxValue)
    {
        float rounded = (float)Math.Clamp(Math.Round(value), 0, maxValue);
        if (rounded != original)
        {
            return rounded;
        }

        float step = target >= original ? 1f : -1f;
        float nudged = original + step;
        return nudged < 0 || nudged > maxValue ? original - step : nudged;
    }
}
