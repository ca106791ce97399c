using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Intake;

namespace Synomaly.Functions.Triggers;

/// <summary>The safety net for lost blob events (CRON from <c>Intake__ReconcileSchedule</c>); see <see cref="UploadReconciler"/>.</summary>
public sealed class ReconcileUploads(UploadReconciler reconciler)
{
    [Function(nameof(ReconcileUploads))]
    public Task Run([TimerTrigger("%Intake__ReconcileSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        reconciler.RunAsync(cancellationToken);
}
