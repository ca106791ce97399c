namespace Synomaly.Imaging.Synthesis;

/// <summary>Intensity statistics inside a brain mask, used to set lesion contrast relative to the tissue.</summary>
internal sealed record BrainStatistics(double Mean, double StandardDeviation, double P05, double P95)
{
    public static BrainStatistics Of(ReadOnlySpan<float> image, bool[] mask)
    {
        var values = new List<float>();
        for (int p = 0; p < image.Length; p++)
        {
            if (mask[p])
            {
                values.Add(image[p]);
            }
        }

        values.Sort();
        double mean = values.Average(v => (double)v);
        double variance = values.Average(v => (v - mean) * (v - mean));
        return new BrainStatistics(mean, Math.Sqrt(variance), values[(int)(0.05 * (values.Count - 1))], values[(int)(0.95 * (values.Count - 1))]);
    }
}
