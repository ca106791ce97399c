using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Jobs;

namespace Synomaly.Functions.Triggers;

/// <summary>Fails jobs whose message expired unprocessed (CRON from <c>Expiry__Schedule</c>); see <see cref="JobExpirySweeper"/>.</summary>
public sealed class ExpireStaleJobs(JobExpirySweeper sweeper)
{
    [Function(nameof(ExpireStaleJobs))]
    public Task Run([TimerTrigger("%Expiry__Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.RunAsync(cancellationToken);
}
