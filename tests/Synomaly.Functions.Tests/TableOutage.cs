using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Fails every try of a table request with <see cref="Failure"/> once it is set (set up the host first), inside the
/// SDK's retry policy, so that the client retries and gives up as it does against a storage account in trouble.
/// </summary>
internal sealed class TableOutage : HttpPipelineSynchronousPolicy
{
    /// <summary>What each try of a table request meets, as the SDK's transport reports it; null: no outage.</summary>
    public Func<Exception>? Failure { get; set; }

    /// <summary>Fails only the requests this picks (by a row key in the URI, the method); all of them when null.</summary>
    public Func<Request, bool>? Only { get; set; }

    /// <summary>Fails only the requests whose URI holds <paramref name="text"/> (a scan id, a row key).</summary>
    public static Func<Request, bool> UriHolding(string text) => request => request.Uri.ToString().Contains(text, StringComparison.Ordinal);

    public TableClientOptions Options()
    {
        var options = new TableClientOptions { Retry = { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(1), Mode = RetryMode.Fixed } };
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return options;
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        if (Failure is { } failure && (Only is null || Only(message.Request)))
        {
            throw failure();
        }
    }
}
