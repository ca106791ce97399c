using Synomaly.Diffusion;
using Synomaly.Storage.Messaging;
using Microsoft.Extensions.Options;

namespace Synomaly.GpuWorker.Options;

/// <summary>Checks the worker settings at start so that a bad value stops the process with a message naming the setting.</summary>
public sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Transport))
        {
            errors.Add($"Worker__Transport must be ServiceBus, StorageQueue or InMemory (got {options.Transport}).");
        }

        if (!Enum.IsDefined(options.DicomTranscoder))
        {
            errors.Add($"Worker__DicomTranscoder must be Auto or Off (got {options.DicomTranscoder}).");
        }

        if (string.IsNullOrWhiteSpace(options.QueueName))
        {
            errors.Add("Worker__QueueName must name the queue or Service Bus entity to read ScanJobs from.");
        }

        if (!TorchDevice.IsValidSetting(options.Device))
        {
            errors.Add($"Worker__Device must be cuda, cuda:N, cpu or auto, or empty for auto (got '{options.Device}').");
        }

        Require(errors, options.MaxBatchSize is >= 1 and <= 4096, $"Worker__MaxBatchSize must be between 1 and 4096 (got {options.MaxBatchSize}).");
        Require(errors, options.MaxBatchWaitMilliseconds is >= 0 and <= 10_000, $"Worker__MaxBatchWaitMilliseconds must be between 0 and 10000 (got {options.MaxBatchWaitMilliseconds}).");
        Require(errors, options.MaxDeliveryCount is >= 1 and <= 100, $"Worker__MaxDeliveryCount must be between 1 and 100 (got {options.MaxDeliveryCount}).");
        Require(errors, options.LockRenewalMinutes is >= 1 and <= 24 * 60, $"Worker__LockRenewalMinutes must be between 1 and 1440 (got {options.LockRenewalMinutes}).");
        // The bound written out, not HostShutdown.MaxWorkerShutdownDeadlineSeconds: the infra tests read each setting's
        // range from this message in the built assembly, and a constant in it would make a format string of it. The worker
        // tests hold the two equal.
        Require(errors, options.ShutdownDeadlineSeconds is >= 1 and <= 3600, $"Worker__ShutdownDeadlineSeconds must be between 1 and 3600 (got {options.ShutdownDeadlineSeconds}).");
        Require(errors, options.StorageQueueLockSeconds is >= 1 and <= 600, $"Worker__StorageQueueLockSeconds must be between 1 and 600 (got {options.StorageQueueLockSeconds}).");
        Require(errors, options.MaxConcurrentJobs is >= 1 and <= 256, $"Worker__MaxConcurrentJobs must be between 1 and 256 (got {options.MaxConcurrentJobs}).");
        Require(errors, options.MaxConsecutiveBatchFailures is >= 1 and <= 100, $"Worker__MaxConsecutiveBatchFailures must be between 1 and 100 (got {options.MaxConsecutiveBatchFailures}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Require(List<string> errors, bool condition, string message)
    {
        if (!condition)
        {
            errors.Add(message);
        }
    }
}
