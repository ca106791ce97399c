using Azure;

namespace Synomaly.DevHost;

/// <summary>
/// The trigger host's first start failed (storage that does not answer, a container it cannot create): the process ends
/// with one line saying why (exit 3) rather than dying of the unhandled exception with a stack trace (exit 134).
/// </summary>
public sealed class TriggerHostStartException : Exception
{
    public TriggerHostStartException()
    {
    }

    public TriggerHostStartException(string message)
        : base(message)
    {
    }

    public TriggerHostStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The failure of a first start, told in one line by what went wrong.</summary>
    public static TriggerHostStartException For(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        // The SDK's retries end in an AggregateException that repeats one cause per try, and a RequestFailedException's
        // message goes on with the response's headers: the first cause's first line says it.
        var cause = failure is AggregateException { InnerExceptions.Count: > 0 } tries ? tries.InnerExceptions[0] : failure;
        string line = cause.Message.Split('\n', 2)[0].Trim();
        string reason = cause is RequestFailedException { Status: 0 } ? $"the storage account (ScansStorage) did not answer: {line}" : line;
        return new TriggerHostStartException($"the trigger host could not start: {reason}", failure);
    }
}
