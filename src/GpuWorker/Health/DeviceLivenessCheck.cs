using Microsoft.Extensions.Diagnostics.HealthChecks;
using Synomaly.GpuWorker.Inference;

namespace Synomaly.GpuWorker.Health;

/// <summary>
/// Liveness fails once the device has failed <c>Worker__MaxConsecutiveBatchFailures</c> batches in a row
/// (<see cref="DeviceHealth"/>): a CUDA context in a sticky error state stays broken for the life of the process, so
/// only a restart (which the platform does on a failing liveness probe) gives the replica a working device again.
/// </summary>
public sealed class DeviceLivenessCheck(DeviceHealth device) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(device.IsBroken
            ? HealthCheckResult.Unhealthy($"The device failed {device.ConsecutiveFailures} batches in a row ({device.LastErrorType}); restart the replica.")
            : HealthCheckResult.Healthy("The device answers model calls."));
}
