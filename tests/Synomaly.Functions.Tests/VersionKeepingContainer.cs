using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Synomaly.Functions.Tests;

/// <summary>
/// An Azurite container that keeps blob versions as an Azure account with versioning does, which Azurite cannot: a blob
/// deleted through this client lives on as a previous version, listed when a listing asks for versions
/// (<see cref="BlobStates.Version"/>), until that version is deleted. Azurite ignores a version id (it would delete the
/// current blob), so version deletes are recorded and answered here, never sent. Everything else is the real client
/// against Azurite.
/// </summary>
internal sealed class VersionKeepingContainer : BlobContainerClient
{
    private readonly Versions versions;

    public VersionKeepingContainer(string connectionString, string name)
        : this(connectionString, name, new Versions())
    {
    }

    private VersionKeepingContainer(string connectionString, string name, Versions versions)
        : base(connectionString, name, versions.Options())
    {
        this.versions = versions;
    }

    /// <summary>The previous versions deleted through this client, as (blob name, version id).</summary>
    public IReadOnlyCollection<(string Name, string VersionId)> DeletedVersions => versions.Deleted;

    /// <summary>A previous version of <paramref name="name"/>, as an earlier deletion or overwrite left it; its version id.</summary>
    public string AddPreviousVersion(string name) => versions.Add(name);

    public override AsyncPageable<BlobItem> GetBlobsAsync(GetBlobsOptions? options = null, CancellationToken cancellationToken = default)
    {
        var current = base.GetBlobsAsync(options, cancellationToken);
        return options is { States: var states } && states.HasFlag(BlobStates.Version)
            ? new WithPreviousVersions(current, versions.Listed(options.Prefix ?? ""))
            : current;
    }

    /// <summary>The previous versions kept, and the policy that keeps them: it sees every request of this client.</summary>
    private sealed class Versions : HttpPipelinePolicy
    {
        private readonly ConcurrentDictionary<(string Name, string VersionId), bool> kept = new();
        private readonly ConcurrentQueue<(string Name, string VersionId)> deleted = new();
        private long next;

        public IReadOnlyCollection<(string Name, string VersionId)> Deleted => deleted;

        public BlobClientOptions Options()
        {
            var options = new BlobClientOptions();
            options.AddPolicy(this, HttpPipelinePosition.PerCall);
            return options;
        }

        public string Add(string name)
        {
            // Version ids are the times the versions were written.
            var versionId = new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Increment(ref next)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            kept[(name, versionId)] = true;
            return versionId;
        }

        public IReadOnlyList<BlobItem> Listed(string prefix) =>
        [
            .. kept.Keys.Where(v => v.Name.StartsWith(prefix, StringComparison.Ordinal)).Order()
                .Select(v => BlobsModelFactory.BlobItem(v.Name, deleted: false, properties: null, versionId: v.VersionId, isLatestVersion: false)),
        ];

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The tests use the asynchronous client.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var target = new BlobUriBuilder(message.Request.Uri.ToUri());
            bool delete = message.Request.Method == RequestMethod.Delete && !string.IsNullOrEmpty(target.BlobName);
            if (delete && !string.IsNullOrEmpty(target.VersionId))
            {
                var version = (target.BlobName, target.VersionId);
                message.Response = new EmptyResponse(kept.TryRemove(version, out _) ? 202 : 404);
                deleted.Enqueue(version);
                return;
            }

            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            if (delete && message.Response.Status == 202)
            {
                Add(target.BlobName);
            }
        }
    }

    private sealed class WithPreviousVersions(AsyncPageable<BlobItem> current, IReadOnlyList<BlobItem> previous) : AsyncPageable<BlobItem>
    {
        public override async IAsyncEnumerable<Page<BlobItem>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
        {
            await foreach (var page in current.AsPages(continuationToken, pageSizeHint).ConfigureAwait(false))
            {
                yield return page;
            }

            yield return Page<BlobItem>.FromValues(previous, continuationToken: null, new EmptyResponse(200));
        }
    }

    /// <summary>An answer without headers or body, as the service gives to a delete.</summary>
    private sealed class EmptyResponse(int status) : Response
    {
        public override int Status => status;

        public override string ReasonPhrase => status == 404 ? "Not Found" : "OK";

        public override Stream? ContentStream { get; set; }

        public override string ClientRequestId { get; set; } = "";

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => false;

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = null;
            return false;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }
    }
}
