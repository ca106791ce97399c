using Azure;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Mvc;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

[Trait("Category", "Integration")]
public sealed class UploadApiTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<CreateScanUploadResponse> CreateAsync(TestHost host, string? json)
    {
        var result = await host.Function<CreateScanUpload>().Run(HttpRequests.Create("POST", json), Ct);
        var created = Assert.IsType<CreatedResult>(result);
        Assert.Equal(201, created.StatusCode ?? 201);
        var response = Assert.IsType<CreateScanUploadResponse>(created.Value);
        Assert.Equal($"/api/scans/{response.ScanId}", created.Location);
        return response;
    }

    [Theory]
    [InlineData(403, "AuthorizationPermissionMismatch")] // the app's identity lost its role on the account
    [InlineData(503, "ServerBusy")] // a storage outage
    public async Task A_refused_user_delegation_key_is_a_503_problem_with_retry_after_not_an_unhandled_error(int status, string errorCode)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var issuer = new RefusingSasIssuer(host.Blobs, new RequestFailedException(status, "refused", errorCode, null));
        var uploads = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<Synomaly.Functions.Services.Uploads.UploadService>(host.Services, issuer);
        var function = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<CreateScanUpload>(host.Services, uploads);
        var request = HttpRequests.Create("POST", """{"fileName": "Doe_Jane_1950-01-01.nii.gz"}""");

        var answer = Assert.IsType<ObjectResult>(await function.Run(request, Ct));

        Assert.Equal(503, answer.StatusCode);
        Assert.Contains("application/problem+json", answer.ContentTypes);
        var problem = Assert.IsType<ProblemDetails>(answer.Value);
        Assert.Contains(errorCode, problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe", problem.Detail, StringComparison.Ordinal);
        Assert.True(int.TryParse(request.HttpContext.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0, "Retry-After in seconds");
        Assert.Contains(Synomaly.Functions.OpenApi.ApiCatalog.Operations.Single(o => o.OperationId == nameof(CreateScanUpload)).Responses, r => r.Status == 503);
    }

    [Fact]
    public async Task A_user_delegation_key_denied_by_storage_logs_an_error_naming_the_role_the_functions_identity_lacks()
    {
        // It logged the same Warning as an outage: the operator the 5xx alert calls had to guess which role was missing.
        var denied = await RefuseKeyAsync(new RequestFailedException(403, "refused", "AuthorizationPermissionMismatch", null));
        var outage = await RefuseKeyAsync(new RequestFailedException(503, "refused", "ServerBusy", null));

        var error = Assert.Single(denied);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, error.Level);
        Assert.Contains("Storage Blob Delegator", error.Message, StringComparison.Ordinal);
        Assert.Contains("AuthorizationPermissionMismatch", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe", error.Message, StringComparison.Ordinal);
        var warning = Assert.Single(outage);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.DoesNotContain("Storage Blob Delegator", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_the_identity_can_never_get_logs_an_error_and_one_withheld_for_a_moment_a_warning()
    {
        // No managed identity (or a wrong client id) fails every upload until an operator mends it, and a 401 is a token
        // storage does not take: both logged the outage Warning, as a throttled identity endpoint does, which waits out.
        var lasting = await RefuseKeyAsync(new Azure.Identity.CredentialUnavailableException("ManagedIdentityCredential authentication unavailable."));
        var unauthorised = await RefuseKeyAsync(new RequestFailedException(401, "refused", "InvalidAuthenticationInfo", null));
        var passing = await RefuseKeyAsync(new Azure.Identity.AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new RequestFailedException(429, "Too many requests")));

        var identityError = Assert.Single(lasting);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, identityError.Level);
        Assert.Contains("has no token storage accepts", identityError.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ManagedIdentityCredential", identityError.Message, StringComparison.Ordinal);
        var storageError = Assert.Single(unauthorised);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, storageError.Level);
        Assert.Contains("InvalidAuthenticationInfo", storageError.Message, StringComparison.Ordinal);
        Assert.Contains("has no token storage accepts", storageError.Message, StringComparison.Ordinal);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, Assert.Single(passing).Level);
        Assert.All(lasting.Concat(unauthorised).Concat(passing), e => Assert.DoesNotContain("Doe", e.Message, StringComparison.Ordinal));
    }

    private async Task<IReadOnlyList<(Microsoft.Extensions.Logging.LogLevel Level, string Message)>> RefuseKeyAsync(Exception refusal)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var log = new CapturingLogger<Synomaly.Functions.Services.Uploads.UploadService>();
        var uploads = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<Synomaly.Functions.Services.Uploads.UploadService>(
            host.Services, new RefusingSasIssuer(host.Blobs, refusal), log);

        await Assert.ThrowsAsync<Synomaly.Functions.Services.Uploads.UploadUrlUnavailableException>(() => uploads.CreateAsync("Doe_Jane_1950-01-01.nii.gz", Ct));
        return log.Entries;
    }

    [Fact]
    public async Task The_upload_url_writes_exactly_one_blob_under_the_new_scan_id_without_the_client_file_name()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var ticket = await CreateAsync(host, """{"fileName": "Doe_Jane_1950-01-01.nii.gz"}""");

        var sasBlob = new BlobClient(ticket.UploadUrl);
        await sasBlob.UploadAsync(BinaryData.FromBytes(ScanBytes.GzipNifti()), Ct);

        Assert.Equal("scans", sasBlob.BlobContainerName);
        Assert.Equal($"{ticket.ScanId}/scan.nii.gz", sasBlob.Name);
        Assert.DoesNotContain("Doe", ticket.UploadUrl.ToString(), StringComparison.Ordinal);
        Assert.True(await host.Blobs.GetBlobContainerClient("scans").GetBlobClient(sasBlob.Name).ExistsAsync(Ct));
        Assert.Equal("PUT", ticket.Method);
        Assert.Equal("BlockBlob", ticket.RequiredHeaders["x-ms-blob-type"]);
    }

    [Fact]
    public async Task The_upload_sas_cannot_read_list_or_write_another_blob()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var ticket = await CreateAsync(host, null);
        var sasBlob = new BlobClient(ticket.UploadUrl);
        await sasBlob.UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), Ct);

        var read = await Assert.ThrowsAsync<RequestFailedException>(() => sasBlob.DownloadContentAsync(Ct));
        Assert.Equal(403, read.Status);

        // The same signature on a neighbouring blob name is refused: the SAS is scoped to one blob.
        var other = new BlobUriBuilder(ticket.UploadUrl) { BlobName = $"{ticket.ScanId}/other.dcm" }.ToUri();
        var write = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(other).UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), Ct));
        Assert.Equal(403, write.Status);

        var containerUri = new BlobUriBuilder(ticket.UploadUrl) { BlobName = "" }.ToUri();
        var list = await Assert.ThrowsAsync<RequestFailedException>(async () =>
        {
            await foreach (var _ in new BlobContainerClient(containerUri).GetBlobsAsync(cancellationToken: Ct))
            {
            }
        });
        Assert.Equal(403, list.Status);
    }

    [Fact]
    public async Task An_expired_upload_sas_is_refused()
    {
        // The clock says an hour ago, so the 15-minute SAS expired 45 minutes ago.
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddHours(-1));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var ticket = await CreateAsync(host, """{"fileName":"x.dcm"}""");
        Assert.True(ticket.ExpiresOn < DateTimeOffset.UtcNow);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(ticket.UploadUrl).UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), Ct));
        Assert.Equal(403, error.Status);
    }

    [Fact]
    public async Task The_upload_sas_lives_for_the_configured_minutes()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Intake:UploadSasMinutes"] = "7" }, clock: clock);
        var ticket = await CreateAsync(host, "{}");
        Assert.Equal(clock.Now.AddMinutes(7), ticket.ExpiresOn);
        Assert.Contains("se=2030-01-01T12%3A07%3A00Z", ticket.UploadUrl.Query, StringComparison.Ordinal);
        Assert.Contains("sp=cw", ticket.UploadUrl.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_problem_details_bad_request()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var result = await host.Function<CreateScanUpload>().Run(HttpRequests.Create("POST", "{fileName: nope"), Ct);
        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(400, problem.StatusCode);
        Assert.Contains("application/problem+json", problem.ContentTypes);
        Assert.IsType<ProblemDetails>(problem.Value);
    }
}
