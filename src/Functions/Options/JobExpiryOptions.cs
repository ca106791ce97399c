using System.ComponentModel.DataAnnotations;

namespace Synomaly.Functions.Options;

/// <summary>Settings <c>Expiry__*</c> (docs/SETTINGS.md): when a job that no worker will ever finish is failed as Expired.</summary>
public sealed class JobExpiryOptions
{
    public const string Section = "Expiry";

    /// <summary>The sweep's CRON; bound by the timer as <c>%Expiry__Schedule%</c>, kept here so it is validated at start.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Schedule { get; set; } = "0 */15 * * * *";

    /// <summary>
    /// How long a published job may wait for a worker: the ScanJob queue's message time to live (the templates give the
    /// Service Bus queue and this setting one value). After it the message has expired into the dead-letter queue and no
    /// worker will see the job again.
    /// </summary>
    [Range(1, 14 * 24)]
    public int MessageTimeToLiveHours { get; set; } = 48;

    /// <summary>
    /// Added to the time to live before a job counts as expired: covers a job still running on its message lock when the
    /// message's time ran out (at most <c>Worker__LockRenewalMinutes</c>, 30 by default) and clock skew between services.
    /// </summary>
    [Range(1, 24 * 60)]
    public int GraceMinutes { get; set; } = 60;

    public TimeSpan ExpiresAfter => TimeSpan.FromHours(MessageTimeToLiveHours) + TimeSpan.FromMinutes(GraceMinutes);
}
