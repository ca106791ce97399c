using System.ComponentModel.DataAnnotations;
using Synomaly.Contracts;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Options;

/// <summary>Settings <c>Intake__*</c> (docs/SETTINGS.md): how uploads become jobs.</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>
    /// Which of the two blob-trigger functions should run: <c>EventGrid</c> (ScanUploaded, Azure) or
    /// <c>LogsAndContainerScan</c> (ScanUploadedPolling, local). A binding's Source cannot come from a setting, so both
    /// functions exist and the other one is disabled with <c>AzureWebJobs.&lt;Name&gt;.Disabled</c>; checked at start.
    /// </summary>
    public BlobTriggerSourceSetting BlobTriggerSource { get; set; } = BlobTriggerSourceSetting.EventGrid;

    /// <summary>
    /// Uploads larger than this are rejected (TooLarge). At most the worker's own limit: a larger upload would be queued
    /// and then fail on the worker (LimitExceeded), so a higher value is refused at start.
    /// </summary>
    [Range(1, ScanSizeLimit.MaxBytes, ErrorMessage = "Intake:MaxScanBytes must be between {1} and {2} bytes: {2} is the largest file the worker reads (ScanReadLimits.MaxFileBytes).")]
    public long MaxScanBytes { get; set; } = ScanSizeLimit.MaxBytes;

    [Required(AllowEmptyStrings = false)]
    public string ModelName { get; set; } = "brain-mri-demo";

    [Required(AllowEmptyStrings = false)]
    [RegularExpression(BlobLayout.ModelVersionPattern, ErrorMessage = "Intake:ModelVersion must be " + BlobLayout.ModelVersionRule + ".")]
    public string ModelVersion { get; set; } = "";

    [Required(AllowEmptyStrings = false)]
    public string QueueName { get; set; } = BlobLayout.ScanJobsQueue;

    /// <summary>The transport of ScanJobs: Service Bus in Azure, a Storage Queue on Azurite.</summary>
    public ScanJobTransport Transport { get; set; } = ScanJobTransport.ServiceBus;

    /// <summary>
    /// CRON of the upload reconciliation (timer <c>%Intake__ReconcileSchedule%</c>): the safety net that submits uploads
    /// whose blob event never arrived (Event Grid gave up, or the polling trigger's container scan skipped them).
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string ReconcileSchedule { get; set; } = "0 */5 * * * *";

    /// <summary>Uploads younger than this are left to their trigger; only older ones without a job are reconciled.</summary>
    [Range(5, 24 * 60 * 60)]
    public int ReconcileGraceSeconds { get; set; } = 120;

    /// <summary>Uploads older than this were covered by earlier sweeps and are not looked up again (bounds the cost).</summary>
    [Range(1, 30 * 24)]
    public int ReconcileLookbackHours { get; set; } = 48;

    /// <summary>Links are short-lived: at most an hour, as the templates allow, whatever is configured by hand.</summary>
    [Range(1, MaxSasMinutes)]
    public int UploadSasMinutes { get; set; } = 15;

    [Range(1, MaxSasMinutes)]
    public int ResultSasMinutes { get; set; } = 15;

    public const int MaxSasMinutes = 60;
}

/// <summary>The values of <c>Intake__BlobTriggerSource</c>, named as the Functions blob extension names its sources.</summary>
public enum BlobTriggerSourceSetting
{
    EventGrid = 0,
    LogsAndContainerScan,
}
