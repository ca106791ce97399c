using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Keys;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// An erasure the job table denies (401/403) or whose storage token the app's identity cannot get: answered and logged as
/// the denied blob delete is (500 erasure-incomplete, an Error naming the role), saying what is done by then. Left to the
/// host, the DELETE was a bare 500 with an empty body, and an archive deletion's retries logged nothing but the exception.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ErasureAccessFailureTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Azure.RequestFailedException Denied() =>
        new(403, "This request is not authorized to perform this operation using this permission.", "AuthorizationPermissionMismatch", null);

    [Fact]
    public async Task A_job_table_that_denies_the_first_read_answers_500_erasure_incomplete_saying_nothing_was_changed()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var (erasure, outage, store, log) = await ErasureOverOwnTableAsync(host, scanId);
        outage.Failure = Denied;

        var answer = await ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, erasure).Run(HttpRequests.Create("DELETE"), scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((500, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Contains("the job table", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("the role Storage Table Data Contributor", problem.Detail, StringComparison.Ordinal);
        Assert.Contains($"nothing of scan {scanId} was changed", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("marked Deleted", problem.Detail, StringComparison.Ordinal);
        Assert.False((await store.GetAsync(scanId, "v1", Ct))!.IsDeleted);
        Assert.NotEmpty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("Storage Table Data Contributor", error.Message, StringComparison.Ordinal);
        Assert.Contains("(403 AuthorizationPermissionMismatch)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_the_identity_cannot_get_once_the_blobs_are_deleted_answers_500_erasure_incomplete_saying_they_are()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var (erasure, outage, store, log) = await ErasureOverOwnTableAsync(host, scanId, failOnReread: () => new AuthenticationFailedException("ManagedIdentityCredential authentication failed."));

        var answer = await ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, erasure).Run(HttpRequests.Create("DELETE"), scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((500, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Contains("the app's identity could not get a token", problem.Detail, StringComparison.Ordinal);
        Assert.Contains($"the blobs of scan {scanId} are deleted", problem.Detail, StringComparison.Ordinal);
        Assert.True((await store.GetAsync(scanId, "v1", Ct))!.IsDeleted);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("AuthenticationFailedException", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ManagedIdentityCredential", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(0)]
    public async Task A_token_the_identity_endpoint_withholds_for_a_passing_reason_answers_409_erasure_incomplete_with_retry_after(int status)
    {
        // Every token failure answered 500 "repeating does not help", though a throttled, failing or unreachable identity
        // endpoint gives the token again a moment later (the worker retries these as IdentityUnavailable).
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        Exception cause = status == 0 ? new HttpRequestException("Connection refused") : new Azure.RequestFailedException(status, "Identity endpoint failed.");
        var (erasure, outage, store, log) = await ErasureOverOwnTableAsync(host, scanId, failOnReread: () => new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", cause));
        var request = HttpRequests.Create("DELETE");

        var answer = await ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, erasure).Run(request, scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((409, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.Contains($"the blobs of scan {scanId} are deleted", problem.Detail, StringComparison.Ordinal);
        Assert.Contains(status == 0 ? "(HttpRequestException)" : $"(the identity endpoint answered {status})", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("does not help", problem.Detail, StringComparison.Ordinal);
        Assert.True((await store.GetAsync(scanId, "v1", Ct))!.IsDeleted);
        Assert.DoesNotContain(log.Entries, e => e.Level == LogLevel.Error);
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.StartsWith($"Scan {scanId}: its erasure stopped", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ManagedIdentityCredential", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_credential_the_app_does_not_have_stays_500_though_its_endpoint_was_unreachable()
    {
        // No identity endpoint at all is a deployment fault (as the worker's IdentityNotConfigured), not a passing one.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var (erasure, outage, _, _) = await ErasureOverOwnTableAsync(host, scanId, failOnReread: () => new CredentialUnavailableException("ManagedIdentityCredential authentication unavailable.", new HttpRequestException("No route to host")));
        var request = HttpRequests.Create("DELETE");

        var answer = await ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, erasure).Run(request, scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((500, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Contains("the app's identity could not get a token", problem.Detail, StringComparison.Ordinal);
        Assert.Empty(request.HttpContext.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task An_archive_deletion_the_job_table_denies_throws_erasure_incomplete_for_the_retry_and_logs_the_role()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (source, _) = await ArchiveDeletionTests.ProcessedArchiveScanAsync(host, $"denied-{Guid.NewGuid():N}.dcm");
        await source.DeleteAsync(cancellationToken: Ct);
        var (erasure, outage, _, log) = await ErasureOverOwnTableAsync(host, ScanBytes.NewScanId());
        var handler = new ArchiveDeletionHandler(
            erasure, host.Blobs, host.Get<Azure.Storage.Queues.QueueServiceClient>(), host.Get<ArchiveScanIdKeyStore>(),
            new LegacyArchiveScanErasure(erasure, host.Get<ScanJobRows>(), host.Blobs, Microsoft.Extensions.Logging.Abstractions.NullLogger<LegacyArchiveScanErasure>.Instance), Microsoft.Extensions.Logging.Abstractions.NullLogger<ArchiveDeletionHandler>.Instance);
        outage.Failure = Denied;

        var error = await Assert.ThrowsAsync<ErasureIncompleteException>(() => handler.HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(source.Uri)), Ct));

        outage.Failure = null;
        Assert.Contains("was changed", error.Message, StringComparison.Ordinal);
        Assert.Contains("Storage Table Data Contributor", Assert.Single(log.Entries, e => e.Level == LogLevel.Error).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_check_of_an_id_from_before_keyed_ids_that_storage_denies_throws_erasure_incomplete_naming_the_role_not_the_id(bool resultsDenied)
    {
        // A 403 of that check (the job table's rows, or the listing of results) escaped raw: the queue retried the message
        // into the poison queue, and only the host's exception log said why, without the role to grant.
        await using var host = await TestHost.CreateAsync(azurite);
        var name = $"legacy-denied-{Guid.NewGuid():N}.dcm";
        var (legacy, tableOutage, blobOutage, log) = await LegacyErasureUnderOutagesAsync(host);
        if (resultsDenied)
        {
            blobOutage.Failure = Denied;
        }
        else
        {
            tableOutage.Failure = Denied;
        }

        var error = await Assert.ThrowsAsync<ErasureIncompleteException>(() => legacy.EraseAsync(name, Ct));

        (tableOutage.Failure, blobOutage.Failure) = (null, null);
        var role = resultsDenied ? "Storage Blob Data Reader" : "Storage Table Data Contributor";
        Assert.Equal(ErasureIncompleteCause.AccessDenied, error.Cause);
        Assert.Contains($"the role {role}", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not help until an operator grants", error.Message, StringComparison.Ordinal);
        var logged = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"role {role}", logged.Message, StringComparison.Ordinal);
        Assert.Contains("(403 AuthorizationPermissionMismatch)", logged.Message, StringComparison.Ordinal);
        // The unkeyed id can be checked against a guessed name, and the name may name a patient: neither is told.
        var unkeyedId = "a-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)), 0, 16);
        Assert.All(new[] { error.Message, logged.Message }, text =>
        {
            Assert.DoesNotContain(unkeyedId, text, StringComparison.Ordinal);
            Assert.DoesNotContain(name, text, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("TableBusy")]
    [InlineData("ResultsNoAnswer")]
    [InlineData("TokenThrottled")]
    public async Task The_check_of_an_id_from_before_keyed_ids_that_fails_for_a_passing_reason_throws_erasure_incomplete_with_one_warning(string failure)
    {
        // Storage busy or out of reach, or a token withheld for a moment, escaped raw: the message was retried with only
        // the host's exception log, while every other step of the erasure names the cause in a Warning.
        await using var host = await TestHost.CreateAsync(azurite);
        var name = $"legacy-passing-{Guid.NewGuid():N}.dcm";
        var (legacy, tableOutage, blobOutage, log) = await LegacyErasureUnderOutagesAsync(host);
        switch (failure)
        {
            case "TableBusy":
                tableOutage.Failure = () => new Azure.RequestFailedException(503, "The server is busy.", "ServerBusy", null);
                break;
            case "ResultsNoAnswer":
                blobOutage.Failure = () => new Azure.RequestFailedException("Connection refused.", new HttpRequestException("Connection refused"));
                break;
            default:
                tableOutage.Failure = () => new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new Azure.RequestFailedException(429, "Too many requests"));
                break;
        }

        var error = await Assert.ThrowsAsync<ErasureIncompleteException>(() => legacy.EraseAsync(name, Ct));

        (tableOutage.Failure, blobOutage.Failure) = (null, null);
        var (cause, said) = failure switch
        {
            "TableBusy" => (ErasureIncompleteCause.StorageUnavailable, "storage answered 503"),
            "ResultsNoAnswer" => (ErasureIncompleteCause.StorageUnavailable, "storage did not answer"),
            _ => (ErasureIncompleteCause.IdentityUnavailable, "the identity endpoint answered 429"),
        };
        Assert.Equal(cause, error.Cause);
        Assert.Contains(said, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("does not help", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Entries, e => e.Level == LogLevel.Error);
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(failure == "TokenThrottled" ? "(the identity endpoint answered 429)" : failure == "TableBusy" ? "(503 ServerBusy;" : "(0 ", warning.Message, StringComparison.Ordinal);
        var unkeyedId = "a-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)), 0, 16);
        Assert.All(new[] { error.Message, warning.Message }, text =>
        {
            Assert.DoesNotContain(unkeyedId, text, StringComparison.Ordinal);
            Assert.DoesNotContain(name, text, StringComparison.Ordinal);
            Assert.DoesNotContain("ManagedIdentityCredential", text, StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// The check of ids from before keyed ids over a job table of its own and a blob client whose requests to `results`
    /// fail as <c>blobOutage</c> says (the table's as <c>tableOutage</c> says), with its log captured.
    /// </summary>
    private async Task<(LegacyArchiveScanErasure Legacy, TableOutage TableOutage, BlobOutage BlobOutage, CapturingLogger<LegacyArchiveScanErasure> Log)> LegacyErasureUnderOutagesAsync(TestHost host)
    {
        var tableOutage = new TableOutage();
        var table = new TableClient(azurite.ConnectionString, "jobs" + Guid.NewGuid().ToString("N")[..12], tableOutage.Options());
        await table.CreateIfNotExistsAsync(Ct);
        var blobOutage = new BlobOutage { Only = r => r.Uri.Path.EndsWith($"/{BlobLayout.ResultsContainer}", StringComparison.Ordinal) };
        var blobs = new Azure.Storage.Blobs.BlobServiceClient(host.ConnectionString, blobOutage.Options());
        var erasure = new ScanErasureService(blobs, new JobStore(table), new ScanJobRows(table), host.Get<IOptions<IntakeOptions>>(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ScanErasureService>.Instance);
        var log = new CapturingLogger<LegacyArchiveScanErasure>();
        return (new LegacyArchiveScanErasure(erasure, new ScanJobRows(table), blobs, log), tableOutage, blobOutage, log);
    }

    /// <summary>
    /// An erasure over a job table of its own holding a Queued record of <paramref name="scanId"/>, whose requests fail as
    /// the outage says; with <paramref name="failOnReread"/>, from the read of the records after the blob deletes on.
    /// </summary>
    private async Task<(ScanErasureService Erasure, TableOutage Outage, JobStore Store, CapturingLogger<ScanErasureService> Log)> ErasureOverOwnTableAsync(TestHost host, string scanId, Func<Exception>? failOnReread = null)
    {
        var outage = new TableOutage();
        var table = new TableClient(azurite.ConnectionString, "jobs" + Guid.NewGuid().ToString("N")[..12], outage.Options());
        await table.CreateIfNotExistsAsync(Ct);
        var store = new FailingOnRereadStore(table, outage, failOnReread);
        await store.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Queued, MessageId = "intake" }, Ct);
        var log = new CapturingLogger<ScanErasureService>();
        var erasure = new ScanErasureService(host.Blobs, store, new ScanJobRows(table), host.Get<IOptions<IntakeOptions>>(), TimeProvider.System, log);
        return (erasure, outage, store, log);
    }

    /// <summary>A job table whose requests start failing as <c>failure</c> says when the erasure reads the scan's records again.</summary>
    private sealed class FailingOnRereadStore(TableClient table, TableOutage outage, Func<Exception>? failure) : JobStore(table)
    {
        private int listings;

        public override Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref listings) > 1 && failure is not null)
            {
                outage.Failure = failure;
            }

            return base.ListForScanAsync(scanId, cancellationToken);
        }
    }
}
