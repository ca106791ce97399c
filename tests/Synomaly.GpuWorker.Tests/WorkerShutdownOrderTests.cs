using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Hosting;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Results;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// Pins the shutdown order the worker relies on. A job still waiting for its outputs when the SliceBatcher is disposed
/// is stopped before its deadline (handed back as Interrupted all the same, through BatcherStoppedException, as
/// defence in depth: before, it was retried as a Timeout, or never completed while waiting for a batch). That cannot
/// happen today because (1) the host stops the hosted services
/// registered after the pump first, and those are only the web server (health probes, each bounded by a 5 s probe
/// timeout) and the health-check publisher (none registered), so the pump's StopAsync, which arms the job deadline, runs at once; (2) the host's shutdown
/// timeout is the deadline plus a margin, so it waits past the deadline, when every job's token is cancelled and its wait
/// in the batcher ends, for the pump's jobs to settle; (3) the service provider disposes the batcher only after the host has
/// stopped, and after the pump, which depends on it. A change to any of these fails here.
/// </summary>
public sealed class WorkerShutdownOrderTests
{
    private static WebApplicationFactory<Program> Worker(FakeSliceInference model, InMemoryScanStorage storage, InMemoryJobStatusSink status) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Worker:Transport", "InMemory");
            web.UseSetting("Worker:ShutdownDeadlineSeconds", "1");
            web.UseSetting("ScansStorage", "UseDevelopmentStorage=true");
            web.UseSetting("Model:Source", "Directory");
            web.UseSetting("Model:Directory", Path.GetTempPath());
            web.UseSetting("Model:Name", "test-model");
            web.UseSetting("Model:Version", "1.0.0");
            web.ConfigureTestServices(services =>
            {
                services.AddSingleton<IModelLoader>(new FakeModelLoader(model));
                services.AddSingleton<IScanCodec, FakeScanCodec>();
                services.AddSingleton<IScanBlobReader>(storage);
                services.AddSingleton<IResultStore>(storage);
                services.AddSingleton<IJobStatusSink>(status);
            });
        });

    [Fact]
    public async Task Only_the_web_server_and_the_health_check_publisher_stop_before_the_pump_and_the_host_waits_past_the_job_deadline()
    {
        await using var factory = Worker(new FakeSliceInference(), new InMemoryScanStorage(), new InMemoryJobStatusSink());
        var services = factory.Services;

        // The host stops hosted services in the reverse of this order.
        var hosted = services.GetServices<IHostedService>().ToList();
        var pump = hosted.FindIndex(s => s is ScanJobPump);
        Assert.True(pump >= 0, "the pump is a hosted service");
        // Each stops in moments: the health-check publisher runs no publisher, the web server waits only for the probes in
        // flight (/healthz, /readyz), each bounded by QueueReachableHealthCheck's 5 s, well inside the 15 s margin. A
        // hosted service added after the pump must be as quick, or the jobs' deadline would start late.
        Assert.Equal(["HealthCheckPublisherHostedService", "GenericWebHostService"], hosted.Skip(pump + 1).Select(s => s.GetType().Name));

        var deadline = services.GetRequiredService<IOptions<WorkerOptions>>().Value.ShutdownDeadline;
        Assert.Equal(deadline + TimeSpan.FromSeconds(15), services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public async Task A_job_waiting_in_the_batcher_when_the_composed_host_is_told_to_stop_is_interrupted_and_abandoned()
    {
        var model = new FakeSliceInference();
        var storage = new InMemoryScanStorage();
        var status = new InMemoryJobStatusSink();
        await using var factory = Worker(model, storage, status);
        var services = factory.Services;
        var cancellationToken = TestContext.Current.CancellationToken;
        await services.GetRequiredService<InferenceHost>().WhenReadyAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        model.Reset();
        model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var job = new ScanJob
        {
            ScanId = "scan-shutdown-order",
            SourceBlobUri = new Uri("http://127.0.0.1:10000/devstoreaccount1/scans/scan-shutdown-order/upload.nii.gz"),
            SourceETag = "\"0x8DD0001\"",
            ModelName = "test-model",
            ModelVersion = "1.0.0",
            CorrelationId = "corr-shutdown-order",
            SubmittedAt = DateTimeOffset.UtcNow,
        };
        storage.AddSource(job.SourceBlobUri, FakeScanCodec.Scan(1, 0.5f));
        var source = services.GetRequiredService<InMemoryScanJobSource>();
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);
        await model.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

        // As SIGTERM does: the app's own Run stops the host and then disposes it, the batcher with it.
        services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        for (var waited = 0; source.Settlements.Count == 0 && waited < 30_000; waited += 20)
        {
            await Task.Delay(20, cancellationToken);
        }

        // With the host's shutdown timeout cut below the deadline (the batcher disposed while the job still waited) this
        // was (Queued, "Timeout"), and the message was held for a backoff.

        var settlement = Assert.Single(source.Settlements);
        Assert.Equal(SettlementKind.Abandoned, settlement.Kind);
        var record = status.Get(job.ScanId, job.ModelVersion)!;
        Assert.Equal((JobState.Queued, "Interrupted"), (record.State, record.ErrorCode));
        model.Hold.TrySetResult();
    }
}
