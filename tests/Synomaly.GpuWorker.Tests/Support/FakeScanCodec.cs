using System.Globalization;
using System.Text;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Scans;
using Synomaly.Imaging;
using Synomaly.Imaging.Presets;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// A scan format for handler tests: text "slices:N:V" makes N slices filled with V (V + slice index / 100 for each);
/// "corrupt" is rejected as Malformed like a real reader would; "size:K" makes one slice of K pixels (wrong dimensions);
/// "heap-full" fails as a reader does when the managed heap is exhausted while it decodes (LimitExceeded, OutOfMemoryException inside).
/// Renders one map file per slice and a report listing the scores; remembers the profile each report was rendered for.
/// </summary>
internal sealed class FakeScanCodec : IScanCodec
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> reportedProfiles = new();

    /// <summary>The job's InferenceProfile each Render call was given, which a real report names.</summary>
    public IReadOnlyList<string> ReportedProfiles => [.. reportedProfiles];

    public static BinaryData Scan(int slices, float value) =>
        BinaryData.FromString(string.Create(CultureInfo.InvariantCulture, $"slices:{slices}:{value}"));

    public static BinaryData Corrupt { get; } = BinaryData.FromString("corrupt");

    public static BinaryData HeapFull { get; } = BinaryData.FromString("heap-full");

    public static BinaryData WrongSize(int pixels) => BinaryData.FromString(string.Create(CultureInfo.InvariantCulture, $"size:{pixels}"));

    public DecodedScanSlices Prepare(
        BinaryData scan, ScanJob job, (int Height, int Width) sliceSize, ModalityHint trainedFor, SliceOrientation orientation, CancellationToken cancellationToken = default)
    {
        var parts = scan.ToString().Split(':');
        switch (parts[0])
        {
            case "slices":
                var count = int.Parse(parts[1], CultureInfo.InvariantCulture);
                var value = float.Parse(parts[2], CultureInfo.InvariantCulture);
                return new FakeSlices([.. Enumerable.Range(0, count).Select(i => Enumerable.Repeat(value + (i / 100f), sliceSize.Height * sliceSize.Width).ToArray())]);
            case "size":
                return new FakeSlices([new float[int.Parse(parts[1], CultureInfo.InvariantCulture)]]);
            case "heap-full":
#pragma warning disable CA2201 // Stands in for the runtime's own allocation failure.
                throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, "Decoding the NIfTI file needs more memory than is available.", new OutOfMemoryException());
#pragma warning restore CA2201
            default:
                throw new ScanRejectedException(ScanRejectionCode.Malformed, "The test scan is corrupt.");
        }
    }

    public IReadOnlyList<ResultFile> Render(ScanJob job, DecodedScanSlices scan, IReadOnlyList<SliceOutput> outputs, CancellationToken cancellationToken = default)
    {
        reportedProfiles.Enqueue(job.InferenceProfile);
        var files = outputs.Select((o, i) => new ResultFile($"maps/{i:D4}.txt", BinaryData.FromString(string.Join(',', o.AnomalyMap.Select(v => v.ToString(CultureInfo.InvariantCulture)))), "text/plain")).ToList();
        var report = new StringBuilder("scores:");
        report.AppendJoin(',', outputs.Select(o => o.Score.ToString(CultureInfo.InvariantCulture)));
        files.Add(new ResultFile(BlobLayout.ReportFile, BinaryData.FromString(report.ToString()), "application/json"));
        return files;
    }

    private sealed class FakeSlices(IReadOnlyList<float[]> slices) : DecodedScanSlices
    {
        public override IReadOnlyList<float[]> Slices => slices;
    }
}
