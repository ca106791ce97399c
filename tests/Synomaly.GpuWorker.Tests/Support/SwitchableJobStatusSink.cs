using Azure;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Status;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>Job records behind a switch that makes every call answer 503, as in an outage of the table's account.</summary>
internal sealed class SwitchableJobStatusSink(IJobStatusSink inner) : IJobStatusSink
{
    public bool Unavailable { get; set; }

    public Task<RecordedJob?> GetRecordAsync(ScanJob job, CancellationToken cancellationToken = default) =>
        Unavailable ? Outage<RecordedJob?>() : inner.GetRecordAsync(job, cancellationToken);

    public Task<bool> TryClaimAsync(ScanJob job, JobClaim claim, CancellationToken cancellationToken = default) =>
        Unavailable ? Outage<bool>() : inner.TryClaimAsync(job, claim, cancellationToken);

    public Task MarkRetryingAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default) =>
        Unavailable ? Outage<bool>() : inner.MarkRetryingAsync(job, claim, errorCode, errorMessage, cancellationToken);

    public Task MarkSucceededAsync(ScanJob job, string resultsPrefix, CancellationToken cancellationToken = default) =>
        Unavailable ? Outage<bool>() : inner.MarkSucceededAsync(job, resultsPrefix, cancellationToken);

    public Task<bool> TryMarkFailedAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default) =>
        Unavailable ? Outage<bool>() : inner.TryMarkFailedAsync(job, claim, errorCode, errorMessage, cancellationToken);

    private static Task<T> Outage<T>() =>
        Task.FromException<T>(new RequestFailedException(503, "Service unavailable (injected).", "ServerBusy", null));
}
