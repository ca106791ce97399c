using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Uploads;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Status;

/// <summary>Reads job records for the status API and signs read-only links to the results that exist.</summary>
public sealed class ScanStatusService(JobStore jobs, BlobServiceClient blobs, BlobSasIssuer sas, IOptions<IntakeOptions> options, TimeProvider clock, ILogger<ScanStatusService> logger)
{
    /// <summary>
    /// A job has a handful of fixed result files plus one overlay per slice; links beyond this are not signed. The fixed
    /// files come first, so that only overlays are ever left out.
    /// </summary>
    public const int MaxResultLinks = 512;

    private readonly IntakeOptions settings = options.Value;

    /// <returns>null when there is no job for this scan and model version (unknown id, or not uploaded yet).</returns>
    public async Task<ScanStatus?> GetAsync(string scanId, string? modelVersion, CancellationToken cancellationToken)
    {
        var record = await jobs.GetAsync(scanId, string.IsNullOrEmpty(modelVersion) ? settings.ModelVersion : modelVersion, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        var (results, omitted) = record.State == JobState.Succeeded && !string.IsNullOrEmpty(record.ResultPrefix)
            ? await SignResultsAsync(record.ResultPrefix, cancellationToken).ConfigureAwait(false)
            : ([], 0);
        return new ScanStatus(
            record.ScanId,
            record.ModelName,
            record.ModelVersion,
            record.State,
            record.Attempts,
            record.Origin,
            record.DetectedFormat,
            new ScanTimings(record.CreatedAt, record.QueuedAt, record.StartedAt, record.FinishedAt),
            record.ErrorCode is null ? null : new ScanError(record.ErrorCode, record.ErrorMessage),
            results,
            omitted);
    }

    /// <exception cref="FormatException">The continuation token is not one this API returned.</exception>
    public async Task<ScanSummaryPage> ListAsync(JobState? state, DateTimeOffset? since, string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        JobPage page;
        try
        {
            page = await jobs.ListAsync(state, since, JobListContinuation.Decode(state, since, continuation), pageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 400 && !string.IsNullOrEmpty(continuation))
        {
            // Well-formed base64url around a place the table does not know (edited, or from another listing).
            throw new FormatException(JobListContinuation.NotIssued, e);
        }

        logger.LogUnreadable("Scan listing", page);

        return new ScanSummaryPage(
            [.. page.Jobs.Select(j => new ScanSummary(j.ScanId, j.ModelVersion, j.State, j.Origin, j.CreatedAt, j.FinishedAt, j.ErrorCode))],
            JobListContinuation.Encode(state, since, page.ContinuationToken),
            page.Unreadable.Count,
            [.. page.Unreadable.Select(e => e.ScanId).Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Signs the fixed files (report.json, heatmap.png, the NIfTI maps: everything outside overlays/) and then the overlays
    /// in slice order, up to <see cref="MaxResultLinks"/>; returns the links and how many files were left out. The listing
    /// alone would not do: overlays/ sorts before report.json, so a scan of 508 slices or more would lose its report.
    /// </summary>
    private async Task<(IReadOnlyList<ResultLink> Links, int Omitted)> SignResultsAsync(string resultPrefix, CancellationToken cancellationToken)
    {
        var container = blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        var overlayPrefix = resultPrefix + BlobLayout.OverlaysFolder + "/";
        var fixedFiles = new List<string>();
        var overlays = new List<string>();
        var listed = 0;
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = resultPrefix }, cancellationToken).ConfigureAwait(false))
        {
            listed++;
            var kept = item.Name.StartsWith(overlayPrefix, StringComparison.Ordinal) ? overlays : fixedFiles;
            if (kept.Count < MaxResultLinks)
            {
                kept.Add(item.Name);
            }
        }

        var expiresOn = clock.GetUtcNow().AddMinutes(settings.ResultSasMinutes);
        var links = new List<ResultLink>();
        foreach (var name in fixedFiles.Concat(overlays).Take(MaxResultLinks))
        {
            var url = await sas.IssueAsync(container.GetBlobClient(name), BlobSasPermissions.Read, expiresOn, cancellationToken).ConfigureAwait(false);
            links.Add(new ResultLink(name[resultPrefix.Length..], url, expiresOn));
        }

        return (links, listed - links.Count);
    }
}
