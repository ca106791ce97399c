using Synomaly.Diffusion.Inference;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Inference;

public sealed class HeadAlignmentTests
{
    private const int Size = 16;

    /// <summary>A disc of radius <paramref name="radius"/> at column <paramref name="centreX"/> whose inside varies, on a −1 background.</summary>
    private static float[] Head(int centreX, int radius = 5, float inside = 0.3f) =>
        [.. Enumerable.Range(0, Size * Size).Select(p => Math.Pow((p % Size) - centreX, 2) + Math.Pow((p / Size) - 8, 2) < radius * radius ? inside + (p % 3 * 0.2f) : -1f)];

    /// <summary>Pearson's r in double precision, written out: the independent answer.</summary>
    private static double Pearson(float[] a, float[] b)
    {
        double meanA = a.Average(v => (double)v), meanB = b.Average(v => (double)v);
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (int i = 0; i < a.Length; i++)
        {
            covariance += (a[i] - meanA) * (b[i] - meanB);
            varianceA += (a[i] - meanA) * (a[i] - meanA);
            varianceB += (b[i] - meanB) * (b[i] - meanB);
        }

        return covariance / Math.Sqrt(varianceA * varianceB);
    }

    private static float[] MaskOf(float[] slice) => [.. slice.Select(v => v > HeadAlignment.HeadLevel ? 1f : 0f)];

    private static Tensor Batch(params float[][] slices) => tensor(slices.SelectMany(s => s).ToArray(), [slices.Length, 1, Size, Size]);

    [Fact]
    public void The_template_is_the_share_of_slices_with_head_at_each_pixel()
    {
        using var scope = NewDisposeScope();
        float[] a = Head(6), b = Head(8), c = Head(8, radius: 3);

        var template = HeadAlignment.Template(Batch(a, b, c));

        for (int p = 0; p < Size * Size; p++)
        {
            Assert.Equal((MaskOf(a)[p] + MaskOf(b)[p] + MaskOf(c)[p]) / 3f, template[p], 1e-6f);
        }
    }

    [Fact]
    public void Each_slice_s_head_mask_gets_its_own_pearson_correlation_with_the_template()
    {
        using var scope = NewDisposeScope();
        var template = HeadAlignment.Template(Batch(Head(6), Head(7), Head(8)));
        float[] aligned = Head(7, inside: -0.5f), shifted = Head(11), small = Head(7, radius: 3), empty = Enumerable.Repeat(-1f, Size * Size).ToArray();
        // A dark lesion inside the head (still above the background level) leaves the head mask as it was.
        float[] lesion = [.. aligned.Select((v, p) => p == (8 * Size) + 7 ? -0.85f : v)];

        var correlation = HeadAlignment.Correlation(Batch(aligned, shifted, small, empty, lesion), template).data<float>().ToArray();

        Assert.Equal(Pearson(MaskOf(aligned), template), correlation[0], 1e-5);
        Assert.Equal(Pearson(MaskOf(shifted), template), correlation[1], 1e-5);
        Assert.Equal(Pearson(MaskOf(small), template), correlation[2], 1e-5);
        Assert.True(correlation[0] > 0.9 && correlation[1] < 0.5 && correlation[2] < correlation[0], string.Join(", ", correlation));
        Assert.Equal(0f, correlation[3]);   // no head at all matches nothing, and is not NaN
        Assert.Equal(correlation[0], correlation[4]);
    }

    [Fact]
    public void Slices_of_another_size_than_the_template_are_refused()
    {
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => HeadAlignment.Correlation(zeros(2, 1, 6, 8), new float[64]));
        Assert.Throws<ArgumentException>(() => HeadAlignment.Correlation(zeros(2, 6, 8), new float[48]));
        Assert.Throws<ArgumentException>(() => HeadAlignment.Template(zeros(6, 8)));
    }
}
