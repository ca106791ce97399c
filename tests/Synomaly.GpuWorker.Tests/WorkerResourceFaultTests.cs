using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using Synomaly.Storage.Jobs;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// Memory or time the worker ran short of while decoding (four jobs at once each hold their scan) is retried, never a
/// verdict on the file; a file whose declared size is beyond the limits still is one.
/// </summary>
public sealed class WorkerResourceFaultTests
{
    private const int Size = 32;

    [Fact]
    public void A_reader_that_exhausts_the_managed_heap_fails_the_attempt_but_not_the_file()
    {
        var error = Assert.ThrowsAny<Exception>(() => ScanReader.Read(new HeapFullAfterHeaderStream(Nifti())));

        var verdict = FailureClassifier.Classify(error);

        Assert.Equal(ScanRejectionCode.LimitExceeded, Assert.IsType<ScanRejectedException>(error).Code);
        Assert.Equal((FailureKind.Transient, FailureClassifier.WorkerOutOfMemory), (verdict.Kind, verdict.Reason));
        Assert.Contains("may be resubmitted", verdict.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_declares_more_voxels_than_the_limit_stays_a_permanent_rejection()
    {
        var limits = ScanReadLimits.Default with { MaxVoxels = (Size * Size * 4) - 1 };

        var error = Assert.Throws<ScanRejectedException>(() => ScanReader.Read(new MemoryStream(Nifti()), new ScanReadOptions { Limits = limits }));

        var verdict = FailureClassifier.Classify(error);
        Assert.Equal((FailureKind.Permanent, nameof(ScanRejectionCode.LimitExceeded)), (verdict.Kind, verdict.Reason));
    }

    [Fact]
    public async Task A_job_out_of_memory_on_every_attempt_is_retried_then_ends_failed_with_a_reason_that_says_memory()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 2, transientRetries: 1);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-heap-full", FakeScanCodec.HeapFull);
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);

        Assert.Equal(JobOutcome.Retrying, await ReceiveAndHandleAsync(harness, source));
        var afterFirst = harness.Record(job)!;
        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal((JobState.Queued, FailureClassifier.WorkerOutOfMemory), (afterFirst.State, afterFirst.ErrorCode));
        var record = harness.Record(job)!;
        Assert.Equal((JobState.Failed, FailureClassifier.WorkerOutOfMemory), (record.State, record.ErrorCode));
        Assert.StartsWith("Gave up after 2 attempts.", record.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("may be resubmitted", record.ErrorMessage, StringComparison.Ordinal);
    }

    private static async Task<JobOutcome> ReceiveAndHandleAsync(WorkerHarness harness, InMemoryScanJobSource source)
    {
        var delivery = await source.ReceiveAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.NotNull(delivery);
        return await harness.Handler.HandleAsync(delivery, CancellationToken.None);
    }

    /// <summary>A 32x32x4 float NIfTI-1 file (a 352-byte header, then the voxels).</summary>
    private static byte[] Nifti()
    {
        var voxels = new float[Size * Size * 4];
        var volume = new Volume(voxels, Size, Size, 4, VolumeGeometry.Unit(), Modality.MR, new VolumeProvenance { Format = ScanFormat.Nifti });
        using var output = new MemoryStream();
        NiftiWriter.Write(output, voxels, Size, Size, 4, NiftiGeometry.ForVolume(volume), NiftiDataType.Float32, gzip: false, "synthetic");
        return output.ToArray();
    }

#pragma warning disable CA2201 // Stands in for the runtime's own allocation failure.
    /// <summary>A source whose reads past the NIfTI header fail as an allocation does on a full managed heap.</summary>
    private sealed class HeapFullAfterHeaderStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        private const int HeaderBytes = 352;

        public override int Read(byte[] buffer, int offset, int count) =>
            Position >= HeaderBytes ? throw new OutOfMemoryException() : base.Read(buffer, offset, (int)Math.Min(count, HeaderBytes - Position));

        public override int Read(Span<byte> buffer) =>
            Position >= HeaderBytes ? throw new OutOfMemoryException() : base.Read(buffer[..(int)Math.Min(buffer.Length, HeaderBytes - Position)]);
    }
#pragma warning restore CA2201
}
