using System.Runtime.ExceptionServices;
using Microsoft.Azure.WebJobs.Host.Timers;
using Microsoft.Extensions.Logging;

namespace Synomaly.DevHost;

/// <summary>
/// What the trigger host does when a listener fails outside any function (the blob trigger's receipt write after its lease
/// was lost in a storage restart, a singleton lock renewal, a function timeout). The SDK's default handler rethrows on a
/// new thread and so ends the process, leaving the local pipeline without intake until someone notices. The Functions
/// host restarts its job host instead; this handler logs the fault and reports it through <see cref="Faulted"/>, and
/// <see cref="DevHostRunner"/> then starts a fresh host the same way.
/// </summary>
public sealed class RestartOnFaultExceptionHandler(ILogger<RestartOnFaultExceptionHandler> logger) : IWebJobsExceptionHandler
{
    private readonly TaskCompletionSource<Exception> faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the first fault; the host that raised it should be stopped and replaced.</summary>
    public Task<Exception> Faulted => faulted.Task;

    /// <inheritdoc />
    public Task OnTimeoutExceptionAsync(ExceptionDispatchInfo exceptionInfo, TimeSpan timeoutGracePeriod)
    {
        ArgumentNullException.ThrowIfNull(exceptionInfo);
        logger.LogError(exceptionInfo.SourceException, "A function ran past its timeout; the trigger host will be restarted");
        faulted.TrySetResult(exceptionInfo.SourceException);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task OnUnhandledExceptionAsync(ExceptionDispatchInfo exceptionInfo)
    {
        ArgumentNullException.ThrowIfNull(exceptionInfo);
        logger.LogError(exceptionInfo.SourceException, "A trigger listener failed; the trigger host will be restarted");
        faulted.TrySetResult(exceptionInfo.SourceException);
        return Task.CompletedTask;
    }
}
