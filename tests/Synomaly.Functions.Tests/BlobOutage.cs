using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Fails every try of a blob request with <see cref="Failure"/> once it is set, inside the SDK's retry policy, so that the
/// client retries and gives up as it does against a storage account in trouble (as <see cref="TableOutage"/> for tables).
/// </summary>
internal sealed class BlobOutage : HttpPipelineSynchronousPolicy
{
    /// <summary>What each try of a blob request meets, as the SDK's transport reports it; null: no outage.</summary>
    public Func<Exception>? Failure { get; set; }

    /// <summary>Fails only the requests this picks (by the method, a container in the URI); all of them when null.</summary>
    public Func<Request, bool>? Only { get; set; }

    public BlobClientOptions Options()
    {
        var options = new BlobClientOptions { Retry = { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(1), Mode = RetryMode.Fixed } };
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
