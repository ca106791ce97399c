using System.Diagnostics;
using Synomaly.Imaging;
using Synomaly.Imaging.Dicom;

namespace Synomaly.Testing;

/// <summary>
/// A JPEG 2000 transcoder as slow as a tool on a busy machine: it blocks for <c>block</c>, or until its token is cancelled
/// as the interface asks. As it starts it cancels <c>cancel</c>, as a shutdown or Ctrl-C arriving while the read waits on
/// the tool would, and notes when: a test bounds the time from that cancel to the read's stop. Timed from the start of the
/// read instead, the bound also took in the read's way to the transcoder, which a cold start on a loaded 2-core machine can
/// stretch past any bound tight enough to tell a stop from a read that waits out the block.
/// </summary>
public sealed class BlockingTranscoder(CancellationTokenSource cancel, TimeSpan block) : IDicomTranscoder
{
    private long cancelledAt;

    public string Name => "blocking-transcoder";

    /// <summary>How long ago the transcoder cancelled the read; null while it has not been called.</summary>
    public TimeSpan? SinceCancelled => cancelledAt == 0 ? null : Stopwatch.GetElapsedTime(cancelledAt);

    public bool CanTranscode(string transferSyntaxUid) => transferSyntaxUid == CancellingTranscoder.Jpeg2000;

    public byte[] Transcode(byte[] part10File, string transferSyntaxUid, ScanReadLimits limits, CancellationToken cancellationToken)
    {
        cancelledAt = Stopwatch.GetTimestamp();
        cancel.Cancel();
        cancellationToken.WaitHandle.WaitOne(block);
        cancellationToken.ThrowIfCancellationRequested();
        return File.ReadAllBytes(CancellingTranscoder.UncompressedFile);
    }
}
