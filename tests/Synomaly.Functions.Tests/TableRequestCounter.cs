using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Counts the requests that the table clients built with <see cref="Options"/> send, each try of a retried one included:
/// what an endpoint costs in table transactions.
/// </summary>
internal sealed class TableRequestCounter : HttpPipelineSynchronousPolicy
{
    private int requests;

    /// <summary>Requests sent since the last <see cref="Reset"/>.</summary>
    public int Requests => Volatile.Read(ref requests);

    public void Reset() => Interlocked.Exchange(ref requests, 0);

    public TableClientOptions Options()
    {
        var options = new TableClientOptions();
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return options;
    }

    public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref requests);
}
