using Polly;
using Polly.Retry;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// Retries one storage or status call on transient faults (exponential backoff with jitter), so that a passing 503 does
/// not cost a whole delivery (and a model run). Never retries once the caller's token is cancelled.
/// </summary>
public sealed class TransientRetry
{
    private readonly ResiliencePipeline pipeline;

    public TransientRetry(ProcessingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } error
                    && !args.Context.CancellationToken.IsCancellationRequested
                    && FailureClassifier.Classify(error).Kind == FailureKind.Transient),
                MaxRetryAttempts = Math.Max(1, policy.TransientRetries),
                Delay = policy.TransientRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
    }

    public async Task ExecuteAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken = default) =>
        await pipeline.ExecuteAsync(static async (op, ct) => await op(ct).ConfigureAwait(false), operation, cancellationToken).ConfigureAwait(false);

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken = default) =>
        await pipeline.ExecuteAsync(static async (op, ct) => await op(ct).ConfigureAwait(false), operation, cancellationToken).ConfigureAwait(false);
}
