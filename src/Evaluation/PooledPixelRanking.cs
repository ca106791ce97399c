using System.Runtime.InteropServices;

namespace Synomaly.Evaluation;

/// <summary>
/// The pooled pixel ranking of a set's cases (every pixel's continuous score against its truth), scored again for any
/// resample of whole cases without sorting the pixels again: what a bootstrap of pixel AUROC and AP over subjects needs,
/// where a resample holds some cases twice and others not at all. A resample's pixels are the cases' pixels counted as
/// often as their case was drawn, so the pixels are sorted once and each case's positives and negatives are counted per
/// threshold; a resample then only weighs those counts. Runs of thresholds without a positive are merged (neither metric
/// changes within them), which keeps a resample's pass far shorter than the pixel count. With every case drawn once the
/// values are <see cref="Synomaly.Diffusion.Metrics.RankingMetrics"/>'s (scikit-learn's: ties share a threshold).
/// </summary>
public sealed class PooledPixelRanking
{
    private readonly int caseCount;

    // Block b holds the entries [blockStart[b], blockStart[b + 1]): a case and its positive and negative pixels there.
    private readonly int[] blockStart;
    private readonly Entry[] entries;

    /// <param name="scores">Each case's pixel scores.</param>
    /// <param name="truths">Each case's truth mask, pixel for pixel.</param>
    public PooledPixelRanking(IReadOnlyList<float[]> scores, IReadOnlyList<bool[]> truths)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(truths);
        if (scores.Count != truths.Count)
        {
            throw new ArgumentException($"{scores.Count} score maps for {truths.Count} truth masks.", nameof(truths));
        }

        caseCount = scores.Count;
        var (keys, caseOf, positive) = Flatten(scores, truths);
        var starts = new List<int> { 0 };
        var gathered = new List<Entry>();
        var open = new Block(caseCount);
        for (int i = 0; i < keys.Length;)
        {
            // One threshold: every pixel with this score.
            int end = i;
            bool hasPositive = false;
            while (end < keys.Length && keys[end] == keys[i])
            {
                hasPositive |= positive[end];
                end++;
            }

            if (hasPositive && !open.IsEmpty)
            {
                open.CloseInto(gathered, starts);
            }

            for (int j = i; j < end; j++)
            {
                open.Add(caseOf[j], positive[j]);
            }

            if (hasPositive)
            {
                open.CloseInto(gathered, starts);
            }

            i = end;
        }

        if (!open.IsEmpty)
        {
            open.CloseInto(gathered, starts);
        }

        blockStart = [.. starts];
        entries = [.. gathered];
    }

    /// <summary>
    /// ROC AUC (NaN with one class), average precision Σ (R_n − R_{n−1})·P_n and the reference's trapezoidal AUPRC (both NaN
    /// without positives) of the resample <paramref name="drawnCases"/>: case indices, a case drawn twice counting twice.
    /// One pass gives all three, so that a bootstrap pays for the pass once.
    /// </summary>
    public (double RocAuc, double AveragePrecision, double PrecisionRecallAuc) Score(IReadOnlyList<int> drawnCases)
    {
        ArgumentNullException.ThrowIfNull(drawnCases);
        var weight = new int[caseCount];
        foreach (int c in drawnCases)
        {
            weight[c]++;
        }

        // From the highest threshold down, as RankingMetrics walks its curve: the ROC area by trapezoids, AP by steps, the
        // PR area by trapezoids from scikit-learn's end point (recall 0, precision 1). A merged run without positives
        // leaves recall where it was, so only its last precision reaches the PR area, as it does on the full curve.
        long tp = 0, fp = 0;
        double area = 0, precisionSum = 0, trapezoidSum = 0, previousPrecision = 1;
        for (int b = 0; b + 1 < blockStart.Length; b++)
        {
            long blockPositives = 0, blockNegatives = 0;
            for (int e = blockStart[b]; e < blockStart[b + 1]; e++)
            {
                var entry = entries[e];
                int w = weight[entry.Case];
                blockPositives += (long)w * entry.Positives;
                blockNegatives += (long)w * entry.Negatives;
            }

            area += blockNegatives * ((2.0 * tp) + blockPositives) / 2;
            tp += blockPositives;
            fp += blockNegatives;
            if (blockPositives + blockNegatives == 0)
            {
                continue; // none of this block's cases was drawn: no point of the curve
            }

            double precision = tp / (double)(tp + fp);
            precisionSum += blockPositives * precision;
            trapezoidSum += blockPositives * (precision + previousPrecision) / 2;
            previousPrecision = precision;
        }

        double auroc = tp > 0 && fp > 0 ? area / ((double)tp * fp) : double.NaN;
        return (auroc, tp > 0 ? precisionSum / tp : double.NaN, tp > 0 ? trapezoidSum / tp : double.NaN);
    }

    /// <summary>Every pixel's negated score (so an ascending sort ranks from the highest down), case and label, sorted.</summary>
    private static (float[] Keys, int[] CaseOf, bool[] Positive) Flatten(IReadOnlyList<float[]> scores, IReadOnlyList<bool[]> truths)
    {
        long total = 0;
        for (int c = 0; c < scores.Count; c++)
        {
            if (scores[c].Length != truths[c].Length)
            {
                throw new ArgumentException($"Case {c}: {scores[c].Length} scores for {truths[c].Length} truth pixels.", nameof(truths));
            }

            total += scores[c].Length;
        }

        var keys = new float[total];
        var order = new int[total];
        var caseOfPixel = new int[total];
        var positiveOfPixel = new bool[total];
        int n = 0;
        for (int c = 0; c < scores.Count; c++)
        {
            for (int p = 0; p < scores[c].Length; p++, n++)
            {
                if (float.IsNaN(scores[c][p]))
                {
                    throw new ArgumentException($"Case {c}: score {p} is NaN.", nameof(scores));
                }

                keys[n] = -scores[c][p];
                order[n] = n;
                caseOfPixel[n] = c;
                positiveOfPixel[n] = truths[c][p];
            }
        }

        Array.Sort(keys, order);
        var caseOf = new int[total];
        var positive = new bool[total];
        for (int i = 0; i < order.Length; i++)
        {
            caseOf[i] = caseOfPixel[order[i]];
            positive[i] = positiveOfPixel[order[i]];
        }

        return (keys, caseOf, positive);
    }

    /// <summary>The per-case counts of the block being gathered, kept dense with the list of cases it touched.</summary>
    private sealed class Block(int caseCount)
    {
        private readonly int[] positives = new int[caseCount];
        private readonly int[] negatives = new int[caseCount];
        private readonly List<int> touched = [];

        public bool IsEmpty => touched.Count == 0;

        public void Add(int caseIndex, bool positive)
        {
            if (positives[caseIndex] == 0 && negatives[caseIndex] == 0)
            {
                touched.Add(caseIndex);
            }

            if (positive)
            {
                positives[caseIndex]++;
            }
            else
            {
                negatives[caseIndex]++;
            }
        }

        public void CloseInto(List<Entry> entries, List<int> starts)
        {
            foreach (int c in CollectionsMarshal.AsSpan(touched))
            {
                entries.Add(new Entry(c, positives[c], negatives[c]));
                positives[c] = negatives[c] = 0;
            }

            touched.Clear();
            starts.Add(entries.Count);
        }
    }

    private readonly record struct Entry(int Case, int Positives, int Negatives);
}
