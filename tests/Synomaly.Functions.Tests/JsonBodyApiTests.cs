using Microsoft.AspNetCore.Mvc;
using Synomaly.Functions.Http;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>The API's JSON bodies: bad ones are named 400 problems (never a 500), and no body means all defaults.</summary>
[Trait("Category", "Integration")]
public sealed class JsonBodyApiTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_body_sent_as_a_form_is_a_400_problem_that_asks_for_json_on_every_json_endpoint()
    {
        await using var host = await TestHost.CreateAsync(azurite);

        var answers = new[]
        {
            await host.Function<CreateScanUpload>().Run(HttpRequests.Form("POST", """{"fileName":"a.dcm"}"""), Ct),
            await host.Function<StartReprocess>().Run(HttpRequests.Form("POST", """{"dryRun":true}"""), Ct),
            await host.Function<RetryFailedScans>().Run(HttpRequests.Form("POST", """{"errorCodes":["Timeout"]}"""), Ct),
        };

        Assert.All(answers, answer =>
        {
            var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
            Assert.Equal(400, problem.Status);
            Assert.Contains("Content-Type: application/json", problem.Detail, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_body_with_a_field_of_the_wrong_kind_is_a_400_problem_that_names_the_field()
    {
        await using var host = await TestHost.CreateAsync(azurite);

        var reprocess = await host.Function<StartReprocess>().Run(HttpRequests.Create("POST", """{"dryRun": "yes"}"""), Ct);
        var retry = await host.Function<RetryFailedScans>().Run(HttpRequests.Create("POST", """{"errorCodes": ["Timeout", 7]}"""), Ct);

        var problems = new[] { reprocess, retry }.Select(a => Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(a).Value)).ToList();
        Assert.All(problems, p => Assert.Equal(400, p.Status));
        Assert.Contains("'dryRun' is not valid", problems[0].Detail, StringComparison.Ordinal);
        Assert.Contains("'errorCodes[1]' is not valid", problems[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_with_a_field_the_endpoint_does_not_know_is_a_400_problem_that_names_it_and_starts_nothing()
    {
        await using var host = await TestHost.CreateAsync(azurite);

        // A misspelt dryRun read as absent would start a real run over the whole archive, or really retry every match.
        var reprocess = await host.Function<StartReprocess>().Run(HttpRequests.Create("POST", """{"dry_run": true, "prefix": "none-such/"}"""), Ct);
        var retry = await host.Function<RetryFailedScans>().Run(HttpRequests.Create("POST", """{"errorCodes": ["Timeout"], "dry-run": true}"""), Ct);
        var upload = await host.Function<CreateScanUpload>().Run(HttpRequests.Create("POST", """{"filename": "a.dcm", "patientName": "x"}"""), Ct);

        var problems = new[] { reprocess, retry, upload }.Select(a => Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(a).Value)).ToList();
        Assert.All(problems, p => Assert.Equal(400, p.Status));
        Assert.Contains("'dry_run' is not valid", problems[0].Detail, StringComparison.Ordinal);
        Assert.Contains("'dry-run' is not valid", problems[1].Detail, StringComparison.Ordinal);
        Assert.Contains("'patientName' is not valid", problems[2].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_body_that_starts_with_a_utf8_byte_order_mark_is_read()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        byte[] body = [0xEF, 0xBB, 0xBF, .. """{"dryRun": true}"""u8];

        var answer = await host.Function<StartReprocess>().Run(HttpRequests.Create("POST", body), Ct);

        var progress = Assert.IsType<BulkRunProgress>(Assert.IsType<AcceptedResult>(answer).Value);
        Assert.True(progress.DryRun);
    }

    [Fact]
    public async Task A_body_larger_than_any_request_is_a_400_problem()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        string huge = "{\"fileName\":\"" + new string('a', JsonBody.MaxBytes) + "\"}";

        var answer = await host.Function<CreateScanUpload>().Run(HttpRequests.Create("POST", huge), Ct);

        Assert.Equal(400, Assert.IsType<ObjectResult>(answer).StatusCode);
    }

    [Fact]
    public async Task A_reprocessing_run_starts_with_no_body_at_all_as_the_docs_allow()
    {
        await using var host = await TestHost.CreateAsync(azurite);

        var answer = await host.Function<StartReprocess>().Run(HttpRequests.Create("POST"), Ct);

        var progress = Assert.IsType<BulkRunProgress>(Assert.IsType<AcceptedResult>(answer).Value);
        Assert.False(progress.DryRun);
    }
}
