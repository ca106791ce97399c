using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Synomaly.GpuWorker.Tests;

/// <summary>Worker__DicomTranscoder: which transcoder the worker picks, and that its codec reads DICOM through it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DicomTranscoderTests : IDisposable
{
    private const string Jpeg2000 = "1.2.840.10008.1.2.4.90";

    private readonly DirectoryInfo tools = Directory.CreateTempSubdirectory("synomaly-worker-tools-");

    private static string TransferSyntaxFile(string name) => Path.Combine(TestPaths.Data, "formats", "dicom-transfer-syntaxes", "In", name);

    public void Dispose() => tools.Delete(recursive: true);

    [Fact]
    public void Auto_uses_the_tools_found_on_the_path_and_says_so()
    {
        StandInTool("gdcmconv");
        var log = new CapturingLogger<DicomTranscoderTests>();

        var transcoder = DicomTranscoderSelection.Select(DicomTranscoderMode.Auto, log, tools.FullName);

        Assert.NotNull(transcoder);
        Assert.Equal("gdcmconv", transcoder.Name);
        Assert.True(transcoder.CanTranscode(Jpeg2000));
        Assert.Contains(log.Entries, e => e.Message.Contains("DICOM transcoder: gdcmconv", StringComparison.Ordinal));
    }

    [Fact]
    public void Auto_without_tools_and_off_give_no_transcoder_and_say_why()
    {
        var missing = new CapturingLogger<DicomTranscoderTests>();
        var off = new CapturingLogger<DicomTranscoderTests>();

        var withoutTools = DicomTranscoderSelection.Select(DicomTranscoderMode.Auto, missing, tools.FullName);
        StandInTool("gdcmconv");
        var turnedOff = DicomTranscoderSelection.Select(DicomTranscoderMode.Off, off, tools.FullName);

        Assert.Null(withoutTools);
        Assert.Null(turnedOff);
        Assert.Contains(missing.Entries, e => e.Message.Contains("neither gdcm nor dcmtk", StringComparison.Ordinal));
        Assert.Contains(off.Entries, e => e.Message.Contains("Worker__DicomTranscoder=Off", StringComparison.Ordinal));
    }

    [Fact]
    public void The_codec_reads_jpeg_2000_dicom_through_the_transcoder_of_its_read_options_and_rejects_it_without()
    {
        var scan = BinaryData.FromBytes(File.ReadAllBytes(TransferSyntaxFile("9.dcm")));
        var job = StubScanJob.For("transcoded-1");
        var withTranscoder = new ImagingScanCodec(new ScanReadOptions { DicomTranscoder = new UncompressingTranscoder() }, MsOptions.Create(new ModelOptions()), TimeProvider.System);
        var without = new ImagingScanCodec(ScanReadOptions.Default, MsOptions.Create(new ModelOptions()), TimeProvider.System);
        var ct = TestContext.Current.CancellationToken;

        var prepared = withTranscoder.Prepare(scan, job, (32, 32), ModalityHint.Auto, Imaging.Presets.SliceOrientation.Display, ct);
        var rejection = Assert.Throws<ScanRejectedException>(() => without.Prepare(scan, job, (32, 32), ModalityHint.Auto, Imaging.Presets.SliceOrientation.Display, ct));

        Assert.NotEmpty(prepared.Slices);
        Assert.Equal(ScanRejectionCode.UnsupportedTransferSyntax, rejection.Code);
    }

    [Fact]
    public void The_codec_stops_a_read_stuck_in_the_transcoder_soon_after_the_jobs_token_is_cancelled()
    {
        // A shutdown or a lost lock cancels the job's token; the read must not hold the job until the transcoder ends.
        var scan = BinaryData.FromBytes(File.ReadAllBytes(TransferSyntaxFile("9.dcm")));
        using var cancel = new CancellationTokenSource();
        var transcoder = new BlockingTranscoder(cancel, TimeSpan.FromMinutes(2));
        var codec = new ImagingScanCodec(new ScanReadOptions { DicomTranscoder = transcoder }, MsOptions.Create(new ModelOptions()), TimeProvider.System);

        Assert.ThrowsAny<OperationCanceledException>(() => codec.Prepare(scan, StubScanJob.For("cancelled-1"), (32, 32), ModalityHint.Auto, Imaging.Presets.SliceOrientation.Display, cancel.Token));

        // A bound on a hang, not a speed target: the stop takes moments, but a loaded 2-core machine can stretch the cold
        // unwinding past the 3 s this once allowed; a read that kept the job's token from the transcoder waits out its
        // 2 minutes.
        Assert.InRange(Assert.NotNull(transcoder.SinceCancelled), TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    private void StandInTool(string name)
    {
        string path = Path.Combine(tools.FullName, name);
        File.WriteAllText(path, "#!/bin/sh\nexit 1\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A stand-in for gdcm: "decompresses" JPEG 2000 by returning the uncompressed version of the same image.</summary>
    private sealed class UncompressingTranscoder : IDicomTranscoder
    {
        public string Name => "test-transcoder";

        public bool CanTranscode(string transferSyntaxUid) => transferSyntaxUid == Jpeg2000;

        public byte[] Transcode(byte[] part10File, string transferSyntaxUid, ScanReadLimits limits, CancellationToken cancellationToken) => File.ReadAllBytes(TransferSyntaxFile("1.dcm"));
    }
}
