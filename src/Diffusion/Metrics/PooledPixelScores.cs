namespace Synomaly.Diffusion.Metrics;

/// <summary>
/// Pixel-level AUROC, AUPRC and average precision computed properly: the continuous anomaly maps of every image pooled into
/// one ranking against the ground truth, rather than the reference's per-image AUPRC of thresholded maps.
/// </summary>
public sealed class PooledPixelScores
{
    private readonly List<float> _scores = [];
    private readonly List<bool> _labels = [];

    public long Count => _scores.Count;

    /// <summary>Adds one image: its continuous map and its ground-truth mask.</summary>
    public void Add(ReadOnlySpan<float> map, ReadOnlySpan<bool> truth)
    {
        if (map.Length != truth.Length)
        {
            throw new ArgumentException($"Map ({map.Length} pixels) and ground truth ({truth.Length} pixels) differ in size.", nameof(truth));
        }

        _scores.AddRange(map);
        _labels.AddRange(truth);
    }

    public double RocAuc() => RankingMetrics.RocAuc(Scores, Labels);

    public double PrecisionRecallAuc() => RankingMetrics.PrecisionRecallAuc(Scores, Labels);

    public double AveragePrecision() => RankingMetrics.AveragePrecision(Scores, Labels);

    private ReadOnlySpan<float> Scores => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_scores);

    private ReadOnlySpan<bool> Labels => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_labels);
}
