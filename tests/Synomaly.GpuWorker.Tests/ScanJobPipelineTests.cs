using System.Diagnostics;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;

namespace Synomaly.GpuWorker.Tests;

/// <summary>The pipeline on its own: from an admitted job to its result files, with no job record and no writes.</summary>
public sealed class ScanJobPipelineTests
{
    [Fact]
    public async Task The_pipeline_makes_the_result_files_without_writing_them_or_touching_the_job_record()
    {
        await using var harness = new WorkerHarness();
        harness.Model.CardDefaultProfile = "brain-mri";
        var job = harness.AddJob("pipe-ok", FakeScanCodec.Scan(3, 0.25f));

        var results = await harness.Pipeline.RunAsync(job, activity: null, TestContext.Current.CancellationToken);

        Assert.Equal(3, results.Slices);
        Assert.Equal(["maps/0000.txt", "maps/0001.txt", "maps/0002.txt", BlobLayout.ReportFile], results.Files.Select(f => f.RelativePath));
        Assert.Equal(["brain-mri"], harness.Codec.ReportedProfiles); // the alias resolved once, before the report
        // The handler writes the files only after its own read of the record (a newer upload may have taken the job over).
        Assert.Empty(harness.ResultPaths(job));
        Assert.Equal(0, harness.Status.RecordReads);
        Assert.Null(harness.Record(job));
    }

    [Fact]
    public async Task A_job_for_another_model_is_refused_before_its_scan_is_downloaded()
    {
        await using var harness = new WorkerHarness();
        var job = harness.AddJob("pipe-other-model", FakeScanCodec.Scan(2, 0.5f)) with { ModelVersion = "2.0.0" };

        var error = await Assert.ThrowsAsync<JobRejectedException>(() => harness.Pipeline.RunAsync(job, activity: null, TestContext.Current.CancellationToken));

        Assert.Equal(JobRejectedException.ModelVersionMismatch, error.Reason);
        Assert.Equal(0, harness.Storage.Reads);
        Assert.Empty(harness.Model.Calls);
    }

    [Fact]
    public async Task A_scan_prepared_to_no_slices_is_rejected_as_having_no_usable_slices_before_the_model_runs()
    {
        await using var harness = new WorkerHarness();
        var job = harness.AddJob("pipe-empty", FakeScanCodec.Scan(0, 0.5f));

        var error = await Assert.ThrowsAsync<ScanRejectedException>(() => harness.Pipeline.RunAsync(job, activity: null, TestContext.Current.CancellationToken));

        Assert.Equal(ScanRejectionCode.NoUsableSlices, error.Code);
        Assert.Empty(harness.Model.Calls);
    }

    [Fact]
    public async Task The_span_names_the_slice_count_even_when_the_model_then_fails()
    {
        await using var harness = new WorkerHarness();
        harness.Model.FailWith = new InvalidOperationException("device error");
        var job = harness.AddJob("pipe-model-fault", FakeScanCodec.Scan(2, 0.5f));
        using var activity = new Activity("ScanJob process");

        await Assert.ThrowsAnyAsync<Exception>(() => harness.Pipeline.RunAsync(job, activity, TestContext.Current.CancellationToken));

        Assert.Equal(2, activity.GetTagItem("synomaly.slices"));
    }
}
