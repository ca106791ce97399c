using Azure;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Status;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

[Trait("Category", "Integration")]
public sealed class StatusApiTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_succeeded_scan_shows_timings_and_read_only_links_to_each_result_file()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.SucceededJobAsync(scanId);

        var result = await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET"), scanId, Ct);

        var status = Assert.IsType<ScanStatus>(Assert.IsType<OkObjectResult>(result).Value);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(1, status.Attempts);
        Assert.NotNull(status.Timings.StartedAt);
        Assert.NotNull(status.Timings.FinishedAt);
        Assert.Null(status.Error);
        Assert.Equal(["heatmap.png", "overlays/0003.png", "report.json"], status.Results.Select(l => l.Name).Order());
        Assert.Equal(0, status.ResultsOmitted);

        var report = status.Results.Single(l => l.Name == "report.json");
        var downloaded = await new BlobClient(report.Url).DownloadContentAsync(Ct);
        Assert.Equal("{\"score\":0.5}", downloaded.Value.Content.ToString());
        var overwrite = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(report.Url).UploadAsync(BinaryData.FromString("x"), overwrite: true, Ct));
        Assert.Equal(403, overwrite.Status);
    }

    [Fact]
    public async Task An_issued_id_written_in_upper_case_finds_the_same_scan()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.SucceededJobAsync(scanId);

        var result = await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET"), scanId.ToUpperInvariant(), Ct);

        var status = Assert.IsType<ScanStatus>(Assert.IsType<OkObjectResult>(result).Value);
        Assert.Equal((scanId, JobState.Succeeded), (status.ScanId, status.State));
    }

    [Fact]
    public async Task A_scan_with_more_overlays_than_the_link_cap_lists_every_fixed_file_first_and_says_how_many_overlays_were_left_out()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var succeeded = await host.SucceededJobAsync(scanId); // report, heatmap and overlays/0003.png
        var results = host.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        const int overlays = ScanStatusService.MaxResultLinks + 8;
        var uploads = Enumerable.Range(0, overlays).Where(z => z != 3)
            .Select(z => $"{BlobLayout.OverlaysFolder}/{z:D4}.png")
            .Append(BlobLayout.MaskFile)
            .Append(BlobLayout.AnomalyMapFile);
        await Parallel.ForEachAsync(uploads, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct }, async (name, ct) =>
            await results.UploadBlobAsync(succeeded.ResultPrefix + name, BinaryData.FromBytes([1]), ct));

        var status = (await host.Get<ScanStatusService>().GetAsync(scanId, null, Ct))!;

        // overlays/ sorts before report.json: signed in listing order, the report would be the first link to go.
        Assert.Equal(ScanStatusService.MaxResultLinks, status.Results.Count);
        Assert.Equal(overlays + 4 - ScanStatusService.MaxResultLinks, status.ResultsOmitted);
        string[] fixedFiles = [BlobLayout.AnomalyMapFile, BlobLayout.HeatmapFile, BlobLayout.MaskFile, BlobLayout.ReportFile];
        Assert.Equal(fixedFiles, status.Results.Take(fixedFiles.Length).Select(l => l.Name).Order());
        Assert.Equal(
            Enumerable.Range(0, ScanStatusService.MaxResultLinks - fixedFiles.Length).Select(z => $"{BlobLayout.OverlaysFolder}/{z:D4}.png"),
            status.Results.Skip(fixedFiles.Length).Select(l => l.Name));
    }

    [Fact]
    public async Task A_failed_scan_shows_its_error_code_and_no_links()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Failed, ErrorCode = "UnknownFormat", ErrorMessage = "not a scan" }, Ct);

        var result = await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET"), scanId, Ct);

        var status = Assert.IsType<ScanStatus>(Assert.IsType<OkObjectResult>(result).Value);
        Assert.Equal(new ScanError("UnknownFormat", "not a scan"), status.Error);
        Assert.Empty(status.Results);
    }

    [Fact]
    public async Task An_unknown_scan_is_a_404_problem_and_a_malformed_id_a_400()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var missing = Assert.IsType<ObjectResult>(await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET"), ScanBytes.NewScanId(), Ct));
        Assert.Equal(404, missing.StatusCode);
        Assert.IsType<ProblemDetails>(missing.Value);

        var malformed = Assert.IsType<ObjectResult>(await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET"), "a'b", Ct));
        Assert.Equal(400, malformed.StatusCode);
    }

    [Fact]
    public async Task Another_model_version_is_chosen_by_query()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v2", State = JobState.Queued }, Ct);

        Assert.IsType<ObjectResult>(await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET"), scanId, Ct));
        var v2 = await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET", query: "?modelVersion=v2"), scanId, Ct);
        Assert.Equal("v2", Assert.IsType<ScanStatus>(Assert.IsType<OkObjectResult>(v2).Value).ModelVersion);
    }

    [Fact]
    public async Task The_list_filters_by_status_and_pages_with_a_continuation()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        for (var i = 0; i < 5; i++)
        {
            await host.Jobs.CreateAsync(new JobRecord { ScanId = $"s-{i}", ModelVersion = "v1", State = i < 3 ? JobState.Queued : JobState.Failed }, Ct);
        }

        var failed = await host.Function<ListScans>().Run(HttpRequests.Create("GET", query: "?status=failed"), Ct);
        Assert.Equal(["s-3", "s-4"], Assert.IsType<ScanSummaryPage>(Assert.IsType<OkObjectResult>(failed).Value).Items.Select(s => s.ScanId).Order());

        var seen = new List<string>();
        string? continuation = null;
        do
        {
            var query = "?pageSize=2" + (continuation is null ? "" : "&continuation=" + continuation);
            var page = Assert.IsType<ScanSummaryPage>(Assert.IsType<OkObjectResult>(await host.Function<ListScans>().Run(HttpRequests.Create("GET", query: query), Ct)).Value);
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items.Select(s => s.ScanId));
            continuation = page.Continuation;
        }
        while (continuation is not null);
        Assert.Equal(["s-0", "s-1", "s-2", "s-3", "s-4"], seen.Order());

        var recent = await host.Function<ListScans>().Run(HttpRequests.Create("GET", query: "?since=2999-01-01T00:00:00Z"), Ct);
        Assert.Empty(Assert.IsType<ScanSummaryPage>(Assert.IsType<OkObjectResult>(recent).Value).Items);
    }

    [Theory]
    [InlineData("?status=Sleeping")]
    [InlineData("?status=7")]
    [InlineData("?status=Processing,Succeeded")]
    [InlineData("?since=yesterday")]
    [InlineData("?pageSize=0")]
    [InlineData("?pageSize=5000")]
    [InlineData("?continuation=***")]
    public async Task A_bad_list_parameter_is_a_400_problem_that_names_it(string query)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var result = Assert.IsType<ObjectResult>(await host.Function<ListScans>().Run(HttpRequests.Create("GET", query: query), Ct));
        Assert.Equal(400, result.StatusCode);
        var problem = Assert.IsType<ProblemDetails>(result.Value);
        var name = query[1..query.IndexOf('=', StringComparison.Ordinal)];
        Assert.Contains(name, problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("v1#2")]
    public async Task A_model_version_unsafe_as_a_table_key_is_a_400_problem_that_names_it(string modelVersion)
    {
        await using var host = await TestHost.CreateAsync(azurite);

        var answer = await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET", query: "?modelVersion=" + Uri.EscapeDataString(modelVersion)), ScanBytes.NewScanId(), Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal(400, problem.Status);
        Assert.Contains("modelVersion", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_continuation_the_table_refuses_is_a_400_problem_that_names_it()
    {
        // Azurite takes any continuation; Azure answers 400 InvalidInput to a well-formed token it does not know.
        await using var host = await TestHost.CreateAsync(azurite);
        var status = new ScanStatusService(
            new RefusingContinuationJobStore(),
            host.Get<BlobServiceClient>(),
            host.Get<Services.Uploads.BlobSasIssuer>(),
            host.Get<Microsoft.Extensions.Options.IOptions<Options.IntakeOptions>>(),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ScanStatusService>.Instance);

        var error = await Assert.ThrowsAsync<FormatException>(() => status.ListAsync(null, null, JobListContinuation.Encode(null, null, "a b"), 10, Ct));
        Assert.Contains("continuation", error.Message, StringComparison.Ordinal);
        // A first page (no continuation) is not the client's fault: the table's 400 is not turned into one.
        await Assert.ThrowsAsync<RequestFailedException>(() => status.ListAsync(null, null, null, 10, Ct));
    }

    [Fact]
    public async Task A_scan_whose_record_this_version_cannot_read_is_a_500_problem_that_says_so_logged_as_an_error_by_scan_id()
    {
        // Unhandled, the exception ended in the host's bare 500 with an empty body: a portal could not tell it from an outage.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.SucceededJobAsync(scanId);
        await host.WriteUnreadableJobRecordAsync(scanId, "v1", new() { ["State"] = "Paused", ["SourceBlobUri"] = "patient qzxw/scan.dcm" });
        var log = new CapturingLogger<GetScanStatus>();
        var function = new GetScanStatus(host.Get<ScanStatusService>(), host.Get<Security.ApiAuthorization>(), log);

        var answer = Assert.IsType<ObjectResult>(await function.Run(HttpRequests.Create("GET"), scanId, Ct));

        var problem = Assert.IsType<ProblemDetails>(answer.Value);
        Assert.Equal((500, 500), (answer.StatusCode, problem.Status));
        Assert.Equal(Http.Problems.UnreadableJobRecordType, problem.Type);
        Assert.Contains(scanId, problem.Detail, StringComparison.Ordinal);
        Assert.Contains("cannot be read by this version", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("qzxw", problem.Detail, StringComparison.Ordinal);
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains(scanId, error.Message, StringComparison.Ordinal);
        Assert.Contains("State", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("qzxw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listed_record_this_version_cannot_read_is_left_out_with_a_warning_naming_its_scan_and_field_only()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var good = ScanBytes.NewScanId();
        var bad = ScanBytes.NewScanId();
        await host.SucceededJobAsync(good);
        await host.SucceededJobAsync(bad);
        await host.WriteUnreadableJobRecordAsync(bad, "v1", new() { ["SourceBlobUri"] = "patient qzxw/scan.dcm" });
        var log = new CapturingLogger<ScanStatusService>();
        var status = new ScanStatusService(
            host.Jobs,
            host.Get<BlobServiceClient>(),
            host.Get<Services.Uploads.BlobSasIssuer>(),
            host.Get<Microsoft.Extensions.Options.IOptions<Options.IntakeOptions>>(),
            TimeProvider.System,
            log);

        var page = await status.ListAsync(null, null, null, 10, Ct);

        Assert.Equal([good], page.Items.Select(i => i.ScanId));
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(bad, warning.Message, StringComparison.Ordinal);
        Assert.Contains("SourceBlobUri", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("qzxw", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_tells_the_client_how_many_records_it_left_out_as_unreadable_and_of_which_scans_by_id_only()
    {
        // Only logged, the left-out records were invisible to the client: a portal took a short page for the whole
        // listing, and a scan whose record cannot be read simply was not there.
        await using var host = await TestHost.CreateAsync(azurite);
        var good = ScanBytes.NewScanId();
        var bad = ScanBytes.NewScanId();
        await host.SucceededJobAsync(good);
        await host.SucceededJobAsync(bad);
        await host.WriteUnreadableJobRecordAsync(bad, "v1", new() { ["SourceBlobUri"] = "patient qzxw/scan.dcm" });
        await host.WriteUnreadableJobRecordAsync(bad, "v0", new() { ["State"] = "Paused", ["CreatedAt"] = DateTimeOffset.UtcNow });

        var answer = Assert.IsType<OkObjectResult>(await host.Function<ListScans>().Run(HttpRequests.Create("GET"), Ct));

        var body = System.Text.Json.JsonSerializer.SerializeToElement(answer.Value, answer.Value!.GetType(), Http.ApiJson.Options);
        Assert.Equal(2, body.GetProperty("unreadableCount").GetInt32());
        Assert.Equal([bad], body.GetProperty("unreadableScanIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([good], body.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("scanId").GetString()));
        Assert.DoesNotContain("qzxw", body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Paused", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_list_with_nothing_left_out_says_so()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        await host.SucceededJobAsync(ScanBytes.NewScanId());

        var answer = Assert.IsType<OkObjectResult>(await host.Function<ListScans>().Run(HttpRequests.Create("GET"), Ct));

        var body = System.Text.Json.JsonSerializer.SerializeToElement(answer.Value, answer.Value!.GetType(), Http.ApiJson.Options);
        Assert.Equal(0, body.GetProperty("unreadableCount").GetInt32());
        Assert.Empty(body.GetProperty("unreadableScanIds").EnumerateArray());
    }
}
