namespace Synomaly.Imaging.Synthesis;

/// <summary>
/// Inserts one synthetic lesion into a healthy slice, for evaluation (this is not the Synomaly training noise).
/// Shapes are real lesion cross-sections or procedural blobs, randomly flipped, rotated and scaled, placed entirely inside
/// the estimated brain mask; intensity follows one of the <see cref="IntensityModel"/>s. Every draw comes from
/// <c>new Random(seed)</c>, so a case is rebuilt exactly from its source image and seed. The returned mask is exact: a
/// pixel is in it if and only if its value changed.
/// </summary>
public sealed class LesionSynthesizer(IReadOnlyList<BinaryShape> realShapes, SynthesisOptions options)
{
    public SynthesizedCase Synthesize(ReadOnlySpan<float> image, int width, int height, int seed)
    {
        if (image.Length != width * height)
        {
            throw new ArgumentException($"Expected {width * height} pixels, got {image.Length}.", nameof(image));
        }

        var random = new Random(seed);
        var brain = BrainMaskEstimator.Estimate(image, width, height);
        int brainArea = brain.Count(b => b);
        if (brainArea < 100)
        {
            throw new InvalidOperationException("The slice has too little brain (under 100 pixels) to place a lesion in.");
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
        // Shrink lesions too large for this brain until they fit the area budget.
        while (shape.Area > options.MaxBrainFraction * brainArea && transform.Scale > 0.1)
        {
            transform = transform with { Scale = transform.Scale * 0.8 };
            shape = transform.Apply(baseShape);
        }

        var (cx, cy) = Place(shape, brain, width, height, random)
            ?? throw new InvalidOperationException("No position keeps the lesion inside the brain mask.");
        var model = options.Models[random.Next(options.Models.Count)];
        var stats = BrainStatistics.Of(image, brain);
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

    private (int X, int Y)? Place(BinaryShape shape, bool[] brain, int width, int height, Random random)
    {
        for (int attempt = 0; attempt < options.PlacementAttempts; attempt++)
        {
            int cx = random.Next(width), cy = random.Next(height);
            if (brain[cx + (width * cy)] && Fits(shape, brain, width, height, cx, cy))
            {
                return (cx, cy);
            }
        }

        return null;
    }

    private static bool Fits(BinaryShape shape, bool[] brain, int width, int height, int cx, int cy)
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
                if (x < 0 || y < 0 || x >= width || y >= height || !brain[x + (width * y)])
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
