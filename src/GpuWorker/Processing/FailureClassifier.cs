using Azure;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Polly.Timeout;
using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Status;
using Synomaly.Imaging;
using Synomaly.Imaging.Dicom;
using Synomaly.Storage;
using Synomaly.Storage.Keys;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// Sorts exceptions into bad input (dead-letter now), transient faults (retry) and the rest. Descriptions come from
/// exception messages that the readers guarantee free of patient data, cut to a length every broker accepts.
/// </summary>
public static class FailureClassifier
{
    public const string StorageUnavailable = "StorageUnavailable";
    public const string MessagingUnavailable = "MessagingUnavailable";
    public const string Timeout = "Timeout";
    public const string NetworkError = "NetworkError";

    /// <summary>The DICOM transcoder could not run on this machine (temporary folder, full disk, tool not startable).</summary>
    public const string TranscoderUnavailable = "TranscoderUnavailable";

    /// <summary>
    /// Decoding (or another step) ran out of managed memory: four jobs at once each buffer their scan, so this is about the
    /// worker's load, not the file. Retried; a job that still fails on its last attempt ends Failed under this code, which
    /// says the scan may be resubmitted.
    /// </summary>
    public const string WorkerOutOfMemory = "WorkerOutOfMemory";

    /// <summary>The DICOM transcoder was killed at its timeout, which a busy machine reaches sooner: retried like <see cref="WorkerOutOfMemory"/>.</summary>
    public const string TranscoderTimeout = "TranscoderTimeout";

    /// <summary>
    /// The GPU had no memory even for one slice per model call, after the batcher halved the batch down to that: other
    /// work held it. Retried on another delivery, when it may be free or another replica takes the job.
    /// </summary>
    public const string DeviceOutOfMemory = "DeviceOutOfMemory";

    /// <summary>
    /// The managed identity's token could not be had for a passing reason: its endpoint throttled (429), failed (500, 502,
    /// 503, 504), timed out (408) or could not be reached (TransientIdentityFailure). Retried like storage faults.
    /// </summary>
    public const string IdentityUnavailable = "IdentityUnavailable";

    /// <summary>
    /// No credential is available to a connection (no managed identity assigned to the app, a wrong client id): a
    /// deployment fault an operator must fix. Not retried in process, so each delivery spends an attempt and the job ends
    /// Failed under this code, which the jobs-gave-up alert reports; not retried without end, and resubmittable once fixed.
    /// </summary>
    public const string IdentityNotConfigured = "IdentityNotConfigured";

    /// <summary>
    /// The network answered NaN or infinite values for finite slices (the engine's NonFiniteOutputException): the weights,
    /// the numeric precision or the device are at fault. Not bad input, so not dead-lettered at once; retried to the
    /// delivery bound (another replica's device may answer), then Failed under this code. The batcher ran the job's
    /// slices in a call of their own before giving it this error, so it is this scan's, not a neighbour's in the batch.
    /// </summary>
    public const string NonFiniteModelOutput = "NonFiniteModelOutput";

    /// <summary>
    /// The engine refused slices holding NaN or infinite pixels (its NonFiniteInputException): the scan is at fault, as
    /// when a reader refuses non-finite voxels (Malformed), so the job is dead-lettered at once and never retried; every
    /// delivery would prepare the same slices. Defence in depth: the readers zero a few non-finite voxels, refuse a file
    /// with hardly any finite one and a rescale past float range, so only a path they do not cover reaches the engine.
    /// </summary>
    public const string NonFiniteInput = "NonFiniteInput";

    /// <summary>
    /// The archive scan id key could not be read (an outage, the worker's role on its container, the blob missing or
    /// malformed): the archive job's source cannot be checked against its scan id, so it is not read. Retried to the
    /// delivery bound, then Failed under this code, resubmittable (<c>retryErrorCodes</c>) once the key is readable;
    /// never read under an id it was not checked against, and no verdict on the file.
    /// </summary>
    public const string ScanIdKeyUnavailable = "ScanIdKeyUnavailable";

    public const string Unexpected = "Unexpected";
    public const string InvalidScanJob = "InvalidScanJob";
    public const string StatusConflict = "StatusConflict";

    private const int MaxDescriptionLength = 1024;

    /// <summary>Ends the description of a fault of the worker's resources, which the job record shows if the last attempt fails too.</summary>
    private const string NotTheFile = "It depends on the worker's load (other jobs at once), not only on the file: no verdict on the file, which may be resubmitted.";

    public static FailureVerdict Classify(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            // LimitExceeded for a resource of this machine (inner OutOfMemoryException or TimeoutException), not for the
            // sizes the file declares, which stay permanent below.
            ScanRejectedException { Code: ScanRejectionCode.LimitExceeded, InnerException: OutOfMemoryException } e => Transient(WorkerOutOfMemory, $"{e.Message} {NotTheFile}"),
            ScanRejectedException { Code: ScanRejectionCode.LimitExceeded, InnerException: TimeoutException } e => Transient(TranscoderTimeout, $"{e.Message} {NotTheFile}"),
            ScanRejectedException e => Permanent(e.Code.ToString(), e.Message),
            InvalidScanJobException e => Permanent(InvalidScanJob, e.Message),
            JobRejectedException e => Permanent(e.Reason, e.Message),
            // Before the storage rule: whatever storage answered about the key, the job waits for it.
            ArchiveScanIdKeyUnavailableException e => Transient(ScanIdKeyUnavailable, e.Message),
            // Before the network rule: an identity endpoint that was not there is a deployment fault, not a network one.
            CredentialUnavailableException => new FailureVerdict(FailureKind.Unexpected, IdentityNotConfigured, "No credential is available for a storage or messaging connection; check the app's managed identity and its client id."),
            AuthenticationFailedException e when TransientIdentityFailure.CauseOf(e) is { } cause => Transient(IdentityUnavailable, $"The managed identity's token could not be obtained ({cause})."),
            // Status 0 (no answer) is not one: the network rule below names the fault inside (NetworkError).
            RequestFailedException e when PassingStatus.Is(e.Status) => Transient(StorageUnavailable, $"Storage answered {e.Status} ({e.ErrorCode})."),
            ServiceBusException e when e.IsTransient => Transient(MessagingUnavailable, $"Service Bus: {e.Reason}."),
            JobStatusConflictException e => Transient(StatusConflict, e.Message),
            // An IOException too, so it would pass as a NetworkError; named for what an operator must fix (the disk).
            DicomTranscoderFaultException e => Transient(TranscoderUnavailable, e.Message),
            DeviceOutOfMemoryException e => Transient(DeviceOutOfMemory, e.Message),
            // Both described here, by count: the engine's message names positions in the model call, not in the scan.
            NonFiniteInputException e => Permanent(
                NonFiniteInput,
                $"{e.Slices.Count} of the scan's prepared slices {(e.Slices.Count == 1 ? "holds" : "hold")} NaN or infinite pixels, which the model refuses: the network would spread them over the whole slice and mark every pixel anomalous. The scan's voxel values are at fault."),
            NonFiniteOutputException e => new FailureVerdict(
                FailureKind.Unexpected,
                NonFiniteModelOutput,
                $"The model gave NaN or infinite values for {e.Slices.Count} of the scan's slices, in a model call of this scan's slices alone, although every input pixel was finite: the weights, the numeric precision or the device are at fault."),
            TimeoutRejectedException or TimeoutException or OperationCanceledException => Transient(Timeout, "An operation timed out."),
            OutOfMemoryException => Transient(WorkerOutOfMemory, $"The worker ran out of memory. {NotTheFile}"),
            _ when NetworkFault.CauseOf(error) is { } cause => Transient(NetworkError, $"{cause.GetType().Name}: {cause.Message}"),
            _ => new FailureVerdict(FailureKind.Unexpected, Unexpected, Describe($"{error.GetType().Name}: {error.Message}")),
        };
    }

    private static FailureVerdict Permanent(string reason, string description) => new(FailureKind.Permanent, reason, Describe(description));

    private static FailureVerdict Transient(string reason, string description) => new(FailureKind.Transient, reason, Describe(description));

    private static string Describe(string text) => text.Length <= MaxDescriptionLength ? text : text[..MaxDescriptionLength];
}
