using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// Ctrl-C while train reads its data stops <see cref="TrainingSet.Load"/> inside the file at hand, not only between files:
/// one large volume takes seconds to read and to prepare, and a load that returned a whole set after the Ctrl-C would
/// have train checkpoint an untrained network.
/// </summary>
public sealed class TrainingSetCancellationTests : IDisposable
{
    private const int Size = 32;

    private readonly string root = Path.Combine(Path.GetTempPath(), "synomaly-load-cancel-" + Guid.NewGuid().ToString("N"));

    public TrainingSetCancellationTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void A_cancel_while_a_volume_s_voxels_are_read_stops_the_load_inside_that_file()
    {
        // 64 x 64 x 64 float voxels: four of the NIfTI reader's chunks. The stand-in reads the real file through a stream
        // that cancels once the reader has reached the voxels, as a Ctrl-C during a long read of one volume would.
        string volume = WriteNifti("volume.nii", 64);
        using var cancel = new CancellationTokenSource();
        CancellingStream? stream = null;
        var reported = new List<int>();

        Assert.Throws<OperationCanceledException>(() => TrainingSet.Load(
            [volume], TrainingModality.BrainMri.Preset(Size), Size, regionMaskFiles: null, new Immediate(reported.Add),
            (path, options) => ScanReader.Read(stream = new CancellingStream(File.ReadAllBytes(path), cancel, cancelFrom: 352), options),
            "<input>",
            cancel.Token));

        Assert.NotNull(stream);
        Assert.True(stream.Position < stream.Length / 2, $"The reader went on to byte {stream.Position} of {stream.Length} after the cancel.");
        Assert.Empty(reported);
    }

    [Fact]
    public void A_cancel_while_a_file_is_prepared_stops_the_load_even_after_its_last_file_was_read()
    {
        // Preparing a large volume (reorienting it, finding the foreground of every slice) takes seconds and sees no token.
        // Before, a Ctrl-C then went unseen until the next file, and during the last one the load returned the whole set.
        string image = WritePng("only.png");
        using var cancel = new CancellationTokenSource();
        var preset = new CancellingPreset(TrainingModality.BrainMri.Preset(Size), cancel);
        var reported = new List<int>();

        Assert.Throws<OperationCanceledException>(() => TrainingSet.Load([image], preset, Size, progress: new Immediate(reported.Add), cancellationToken: cancel.Token));

        Assert.Equal(1, preset.Calls);
        Assert.Empty(reported);
    }

    private string WriteNifti(string name, int side)
    {
        var voxels = Enumerable.Range(0, side * side * side).Select(i => (float)(i % 251)).ToArray();
        var geometry = new Volume(voxels, side, side, side, VolumeGeometry.Unit(), Modality.MR, new VolumeProvenance { Format = ScanFormat.Nifti });
        string path = Path.Combine(root, name);
        using var output = File.Create(path);
        NiftiWriter.Write(output, voxels, side, side, side, NiftiGeometry.ForVolume(geometry), NiftiDataType.Float32, gzip: false, "synthetic");
        return path;
    }

    private string WritePng(string name)
    {
        string path = Path.Combine(root, name);
        using var image = new Image<L8>(Size, Size);
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                // A head-like square with texture, so that the slice is not blank and is kept.
                image[x, y] = new L8(x < 20 && y < 12 ? (byte)(120 + ((x + y) % 5)) : (byte)10);
            }
        }

        image.SaveAsPng(path);
        return path;
    }

    /// <summary>The file's bytes, cancelling its token at the first read that starts at or after <c>cancelFrom</c>.</summary>
    private sealed class CancellingStream(byte[] bytes, CancellationTokenSource cancel, long cancelFrom) : MemoryStream(bytes, writable: false)
    {
        // Read(Span) of a type derived from MemoryStream comes here too (through Stream's copy).
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Position >= cancelFrom)
            {
                cancel.Cancel();
            }

            return base.Read(buffer, offset, count);
        }
    }

    /// <summary>The real preset, cancelling the token while it prepares, as a Ctrl-C during a long preparation would.</summary>
    private sealed class CancellingPreset(IModalityPreset preset, CancellationTokenSource cancel) : IModalityPreset
    {
        public int Calls { get; private set; }

        public string Name => preset.Name;

        public PreparedScan Prepare(Volume volume, CancellationToken cancellationToken = default)
        {
            Calls++;
            cancel.Cancel();
            return preset.Prepare(volume, cancellationToken);
        }
    }

    /// <summary>Reports on the caller's thread, so the test sees exactly which files completed.</summary>
    private sealed class Immediate(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
