using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Functions.Http;
using Synomaly.Functions.Options;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Status;
using Synomaly.Functions.Services.Sweeps;
using Synomaly.Functions.Services.Uploads;
using Synomaly.Storage.Hosting;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Extensions;

/// <summary>The whole composition of the Functions app's services; also used by the local trigger host (src/DevHost).</summary>
public static class FunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Options (validated at start), Azure clients (once, identity-based in Azure), the job store, the publisher for
    /// <c>Intake__Transport</c> and the intake, upload, status, bulk and expiry services.
    /// </summary>
    /// <param name="validateTriggerSource">Check the AzureWebJobs.*.Disabled pair against Intake__BlobTriggerSource (the Functions host only).</param>
    public static IServiceCollection AddSynomalyServices(this IServiceCollection services, IConfiguration configuration, bool validateTriggerSource)
    {
        services.AddOptions<IntakeOptions>().Bind(configuration.GetSection(IntakeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BulkOptions>().Bind(configuration.GetSection(BulkOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobExpiryOptions>().Bind(configuration.GetSection(JobExpiryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        if (validateTriggerSource)
        {
            services.AddSingleton<IValidateOptions<IntakeOptions>>(new BlobTriggerSourceValidation(configuration));
        }

        var intake = configuration.GetSection(IntakeOptions.Section).Get<IntakeOptions>() ?? new IntakeOptions();
        services.AddSynomalyStorage(configuration);
        // Bulk runs and archive deletions compute archive scan ids; the first to do so in a deployment creates the key.
        services.AddArchiveScanIdKey(mayCreate: true);
        // The Storage Queue transport has no queue-level time to live: each message gets the one the expiry sweep assumes.
        var expiry = configuration.GetSection(JobExpiryOptions.Section).Get<JobExpiryOptions>() ?? new JobExpiryOptions();
        services.AddScanJobPublisher(configuration, intake.Transport, intake.QueueName, TimeSpan.FromHours(expiry.MessageTimeToLiveHours));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JobSubmitter>();
        services.TryAddSingleton<ScanIntakeService>();
        services.TryAddSingleton<UploadReconciler>();
        services.TryAddSingleton(provider => new SweepCursorStore(provider.GetRequiredService<TableServiceClient>()));
        services.TryAddSingleton<ScanRetryService>();
        services.TryAddSingleton<FailedUploadRetryService>();
        services.TryAddSingleton<ArchiveSourceForgetter>();
        services.TryAddSingleton<JobExpirySweeper>();
        services.TryAddSingleton(provider => new BlobSasIssuer(provider.GetRequiredService<BlobServiceClient>(), provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<UploadService>();
        services.TryAddSingleton<ScanStatusService>();
        services.TryAddSingleton(provider => new ScanJobRows(provider.GetRequiredService<TableServiceClient>().GetTableClient(Synomaly.Contracts.BlobLayout.JobsTable)));
        services.TryAddSingleton<ScanErasureService>();
        services.TryAddSingleton<LegacyArchiveScanErasure>();
        services.TryAddSingleton<ArchiveDeletionHandler>();
        services.TryAddSingleton(provider => new ArchiveDeadLetterReplay(
            provider.GetRequiredService<BlobServiceClient>(), provider.GetRequiredService<QueueServiceClient>(), provider.GetRequiredService<ILogger<ArchiveDeadLetterReplay>>()));
        services.TryAddSingleton(provider => new ArchiveDeletionPoisonReplay(
            provider.GetRequiredService<QueueServiceClient>(), provider.GetRequiredService<ILogger<ArchiveDeletionPoisonReplay>>()));
        services.TryAddSingleton<ArchiveDeletionReplay>();
        services.TryAddSingleton(provider => new BulkRunStore(provider.GetRequiredService<TableServiceClient>()));
        services.TryAddSingleton<IBulkStepQueue>(provider => new StorageQueueBulkStepQueue(provider.GetRequiredService<QueueServiceClient>()));
        services.TryAddSingleton<BulkRunRetry>();
        services.TryAddSingleton<BulkRunWindow>();
        services.TryAddSingleton<BulkRunWindowPruner>();
        services.TryAddSingleton<BulkRunStopper>();
        services.TryAddSingleton<BulkStepPoisonHandler>();
        services.TryAddSingleton<BulkReprocessService>();
        return services;
    }

    /// <summary>The Functions app: the services plus the HTTP API's role check and JSON with enum names.</summary>
    public static IServiceCollection AddSynomalyFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSynomalyServices(configuration, validateTriggerSource: true);
        // func start on a fresh Azurite: nothing else creates the jobs table or the ScanJob queue (the dev host runs the same
        // provisioner before its triggers start).
        if (DevelopmentStorageProvisioner.IsDevelopmentStorage(AzureConnection.Read(configuration, StorageServiceCollectionExtensions.ScansStorageConnection).ConnectionString))
        {
            services.AddHostedService<DevelopmentStorageProvisioner>();
        }
        services.AddOptions<ApiAuthorizationOptions>().Bind(configuration.GetSection(ApiAuthorizationOptions.Section)).ValidateOnStart();
        services.TryAddSingleton<ApiAuthorization>();
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(o => ApiJson.Configure(o.JsonSerializerOptions));
        return services;
    }
}
