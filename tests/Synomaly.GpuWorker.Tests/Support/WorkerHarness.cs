using Synomaly.Storage.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Results;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Telemetry;
using Synomaly.Testing;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>The real handler, pipeline, batcher, writer and retry policy over in-memory storage, status and a fake model.</summary>
internal sealed class WorkerHarness : IAsyncDisposable
{
    private readonly TestMeterFactory meters = new();
    private readonly ProcessingPolicy policy;
    private readonly TimeProvider time;

    /// <param name="redeliveryDelay">The first backoff before a redelivery; none by default, so abandons are immediate.</param>
    /// <param name="time">The handler's clock (its lock keeper's and its backoff's); the system's by default.</param>
    /// <param name="sources">Where the pipeline reads source scans; <see cref="Storage"/> by default.</param>
    public WorkerHarness(int maxDeliveryCount = 3, int maxBatchSize = 8, int maxBatchWaitMilliseconds = 20, int transientRetries = 2, TimeSpan? redeliveryDelay = null, TimeProvider? time = null, IScanBlobReader? sources = null)
    {
        Options = new WorkerOptions
        {
            Transport = ScanJobTransport.InMemory,
            MaxDeliveryCount = maxDeliveryCount,
            MaxBatchSize = maxBatchSize,
            MaxBatchWaitMilliseconds = maxBatchWaitMilliseconds,
        };
        policy = new ProcessingPolicy
        {
            TransientRetries = transientRetries,
            TransientRetryDelay = TimeSpan.FromMilliseconds(1),
            RedeliveryDelay = redeliveryDelay ?? TimeSpan.Zero,
        };
        Telemetry = new WorkerTelemetry(meters);
        Loader = new FakeModelLoader(Model);
        Host = new InferenceHost(Loader, NullLogger<InferenceHost>.Instance);
        Host.StartLoading(CancellationToken.None);
        WarmUpCall = Host.WhenReadyAsync(CancellationToken.None).GetAwaiter().GetResult() is not null ? Model.Calls.Single() : [];
        Model.Reset();
        Batcher = new SliceBatcher(Host.WhenReadyAsync, Options.MaxBatchSize, Options.MaxBatchWait, Telemetry);
        Status = new InMemoryJobStatusSink(time);
        StatusSwitch = new SwitchableJobStatusSink(Status);
        var retry = new TransientRetry(policy);
        Pipeline = new ScanJobPipeline(sources ?? Storage, Codec, Host, Batcher, retry);
        Handler = new ScanJobHandler(
            StatusSwitch,
            Pipeline,
            new ResultWriter(Storage),
            retry,
            policy,
            Microsoft.Extensions.Options.Options.Create(Options),
            Telemetry,
            time ?? TimeProvider.System,
            HandlerLog);
        this.time = time ?? TimeProvider.System;
    }

    public WorkerOptions Options { get; }

    /// <summary>The meters of <see cref="Telemetry"/>, for a <see cref="RecordedMeasurements"/>.</summary>
    public TestMeterFactory Meters => meters;

    /// <summary>What the handler logged.</summary>
    public CapturingLogger<ScanJobHandler> HandlerLog { get; } = new();

    /// <summary>The batch the host ran once after loading the model.</summary>
    public IReadOnlyList<float[]> WarmUpCall { get; }

    public FakeSliceInference Model { get; } = new();

    public FakeModelLoader Loader { get; }

    public InferenceHost Host { get; }

    public FakeScanCodec Codec { get; } = new();

    public InMemoryScanStorage Storage { get; } = new();

    public InMemoryJobStatusSink Status { get; }

    /// <summary>Set <see cref="SwitchableJobStatusSink.Unavailable"/> for an outage of the job records.</summary>
    public SwitchableJobStatusSink StatusSwitch { get; }

    public WorkerTelemetry Telemetry { get; }

    public SliceBatcher Batcher { get; }

    public ScanJobPipeline Pipeline { get; }

    public ScanJobHandler Handler { get; }

    /// <summary>Another handler like <see cref="Handler"/>, over <paramref name="status"/> and logging to <paramref name="log"/>.</summary>
    public ScanJobHandler CreateHandler(IJobStatusSink status, ILogger<ScanJobHandler> log) => new(
        status,
        Pipeline,
        new ResultWriter(Storage),
        new TransientRetry(policy),
        policy,
        Microsoft.Extensions.Options.Options.Create(Options),
        Telemetry,
        time,
        log);

    /// <summary>A job whose source blob holds <paramref name="scan"/>.</summary>
    public ScanJob AddJob(string scanId, BinaryData scan)
    {
        var job = new ScanJob
        {
            ScanId = scanId,
            SourceBlobUri = new Uri($"http://127.0.0.1:10000/devstoreaccount1/scans/{scanId}/upload.nii.gz"),
            SourceETag = "\"0x8DD0001\"",
            ModelName = "test-model",
            ModelVersion = "1.0.0",
            CorrelationId = "corr-" + scanId,
            SubmittedAt = DateTimeOffset.UtcNow,
        };
        Storage.AddSource(job.SourceBlobUri, scan);
        return job;
    }

    public InMemoryJobRecord? Record(ScanJob job) => Status.Get(job.ScanId, job.ModelVersion);

    public IReadOnlyList<string> ResultPaths(ScanJob job) =>
        [.. Storage.Results.Keys.Where(k => k.StartsWith(BlobLayout.ResultsPrefix(job), StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    public async ValueTask DisposeAsync()
    {
        Model.Hold?.TrySetResult();
        await Batcher.DisposeAsync();
        Telemetry.Dispose();
        meters.Dispose();
    }
}
