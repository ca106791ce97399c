using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Health;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Results;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Telemetry;
using Synomaly.Imaging;
using Synomaly.Imaging.Reading;
using Synomaly.Storage.Hosting;
using Synomaly.Storage.Keys;
using Synomaly.Storage.Messaging;

namespace Synomaly.GpuWorker.Hosting;

/// <summary>The worker's composition root: options, Azure clients, the transport, the pipeline, health and telemetry.</summary>
public static class GpuWorkerServiceCollectionExtensions
{
    public static WebApplicationBuilder AddSynomalyGpuWorker(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.SectionName).ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<WorkerOptions>>((host, worker) => host.ShutdownTimeout = HostShutdown.WorkerStopTimeout(worker.Value.ShutdownDeadline));

        // Also cuts the Azure SDK's request logs, which name blob paths, to Warning.
        services.AddSynomalyStorage(configuration);
        // An archive job's source is checked against its scan id, which only the deployment's key gives (read, never created).
        services.AddArchiveScanIdKey(mayCreate: false);
        services.TryAddSingleton(ScanReadLimits.Default);
        services.TryAddSingleton(provider => new ScanReadOptions
        {
            Limits = provider.GetRequiredService<ScanReadLimits>(),
            DicomTranscoder = DicomTranscoderSelection.Select(
                provider.GetRequiredService<IOptions<WorkerOptions>>().Value.DicomTranscoder,
                provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DicomTranscoderSelection))),
        });
        services.TryAddSingleton<IJobStatusSink, JobStoreStatusSink>();
        services.TryAddSingleton<IScanBlobReader>(provider => new BlobScanReader(provider.GetRequiredService<BlobServiceClient>(), provider.GetRequiredService<ArchiveScanIdKeyStore>(), provider.GetRequiredService<ScanReadLimits>()));
        services.TryAddSingleton<IResultStore>(provider => new BlobResultStore(provider.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BlobLayout.ResultsContainer)));
        services.TryAddSingleton<ResultWriter>();
        AddTransport(services);

        services.TryAddSingleton(new ProcessingPolicy());
        services.TryAddSingleton<TransientRetry>();
        services.TryAddSingleton<WorkerTelemetry>();
        services.TryAddSingleton<ModelPackageFetcher>();
        services.TryAddSingleton<IModelLoader, TorchModelLoader>();
        services.TryAddSingleton<IScanCodec, ImagingScanCodec>();
        services.TryAddSingleton<InferenceHost>();
        services.TryAddSingleton(provider => new DeviceHealth(
            provider.GetRequiredService<IOptions<WorkerOptions>>().Value.MaxConsecutiveBatchFailures,
            provider.GetRequiredService<ILogger<DeviceHealth>>(),
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(provider =>
        {
            var worker = provider.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var host = provider.GetRequiredService<InferenceHost>();
            return new SliceBatcher(
                host.WhenReadyAsync,
                worker.MaxBatchSize,
                worker.MaxBatchWait,
                provider.GetRequiredService<WorkerTelemetry>(),
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<DeviceHealth>(),
                provider.GetRequiredService<ILogger<SliceBatcher>>());
        });
        services.TryAddSingleton<ScanJobPipeline>();
        services.TryAddSingleton<ScanJobHandler>();
        services.AddHostedService<ScanJobPump>();

        services.AddHealthChecks()
            .AddCheck<ModelLoadLivenessCheck>("model-load", tags: [GpuWorkerEndpoints.LiveTag])
            .AddCheck<DeviceLivenessCheck>("device", tags: [GpuWorkerEndpoints.LiveTag])
            .AddCheck<ModelReadyHealthCheck>("model", tags: [GpuWorkerEndpoints.ReadyTag])
            .AddCheck<QueueReachableHealthCheck>("queue", tags: [GpuWorkerEndpoints.ReadyTag]);
        services.AddWorkerTelemetry(configuration);
        return builder;
    }

    /// <summary>
    /// The ScanJob source for Worker__Transport, chosen when first resolved (after configuration is complete and validated).
    /// </summary>
    private static void AddTransport(IServiceCollection services)
    {
        services.TryAddSingleton<InMemoryScanJobSource>();
        services.TryAddSingleton<IScanJobSource>(provider =>
        {
            var worker = provider.GetRequiredService<IOptions<WorkerOptions>>().Value;
            return worker.Transport switch
            {
                ScanJobTransport.ServiceBus => new ServiceBusScanJobSource(provider.GetRequiredService<ServiceBusReceiver>()),
                ScanJobTransport.StorageQueue => CreateStorageQueueSource(provider, worker),
                ScanJobTransport.InMemory => provider.GetRequiredService<InMemoryScanJobSource>(),
                _ => throw new InvalidOperationException($"Worker__Transport {worker.Transport} is not supported."),
            };
        });
        services.TryAddSingleton(provider =>
        {
            var messaging = AzureConnection.Read(provider.GetRequiredService<IConfiguration>(), StorageServiceCollectionExtensions.MessagingConnection);
            return messaging.ConnectionString is { } connectionString
                ? new ServiceBusClient(connectionString)
                : new ServiceBusClient(messaging.Require("fullyQualifiedNamespace"), messaging.CreateCredential());
        });
        // Peek-lock, no prefetch: a prefetched message would sit locked in a buffer while the GPU is busy.
        services.TryAddSingleton(provider => provider.GetRequiredService<ServiceBusClient>().CreateReceiver(
            provider.GetRequiredService<IOptions<WorkerOptions>>().Value.QueueName,
            new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock, PrefetchCount = 0 }));
    }

    private static StorageQueueScanJobSource CreateStorageQueueSource(IServiceProvider provider, WorkerOptions worker)
    {
        var queues = provider.GetRequiredService<QueueServiceClient>();
        return new StorageQueueScanJobSource(
            queues.GetQueueClient(worker.QueueName),
            queues.GetQueueClient(StorageQueueScanJobSource.PoisonQueueName(worker.QueueName)),
            worker.StorageQueueLock,
            provider.GetRequiredService<TimeProvider>());
    }
}
