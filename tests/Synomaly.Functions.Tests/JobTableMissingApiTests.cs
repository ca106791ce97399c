using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>Every endpoint that reads or writes job records, when the job table does not exist.</summary>
[Trait("Category", "Integration")]
public sealed class JobTableMissingApiTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Endpoints =>
    [
        nameof(ListScans), nameof(GetScanStatus), nameof(RetryScan), nameof(RetryFailedScans), nameof(DeleteScan),
    ];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task An_endpoint_whose_job_table_is_missing_answers_a_503_problem_with_retry_after_and_logs_the_table_as_an_error(string operation)
    {
        // A listing threw the SDK's bare 404 past the function (the host's empty 500), and a status read took the missing
        // table for a missing record: a 404 "no job for this scan" for a scan the portal had just uploaded.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await host.FailedUploadAsync();
        await host.JobsTable.DeleteAsync(Ct);

        var (answer, request, log) = await CallAsync(host, operation, scanId);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((503, Http.Problems.JobTableMissingType), (problem.Status, problem.Type));
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.DoesNotContain(host.JobsTable.Name, problem.Detail, StringComparison.Ordinal);
        var error = Assert.Single(log, e => e.Level == LogLevel.Error);
        Assert.Contains(host.JobsTable.Name, error.Message, StringComparison.Ordinal);
        Assert.Contains(operation, error.Message, StringComparison.Ordinal);
    }

    private static Task<(IActionResult, HttpRequest, IReadOnlyList<(LogLevel Level, string Message)>)> CallAsync(TestHost host, string operation, string scanId) => operation switch
    {
        nameof(ListScans) => CallAsync<ListScans>(host, HttpRequests.Create("GET"), (f, r) => f.Run(r, Ct)),
        nameof(GetScanStatus) => CallAsync<GetScanStatus>(host, HttpRequests.Create("GET"), (f, r) => f.Run(r, scanId, Ct)),
        nameof(RetryScan) => CallAsync<RetryScan>(host, HttpRequests.Create("POST"), (f, r) => f.Run(r, scanId, Ct)),
        nameof(RetryFailedScans) => CallAsync<RetryFailedScans>(host, HttpRequests.Create("POST", """{"errorCodes":["StorageUnavailable"]}"""), (f, r) => f.Run(r, Ct)),
        _ => CallAsync<DeleteScan>(host, HttpRequests.Create("DELETE"), (f, r) => f.Run(r, scanId, Ct)),
    };

    /// <summary>The function built as the host builds it, but logging to a capture.</summary>
    private static async Task<(IActionResult, HttpRequest, IReadOnlyList<(LogLevel Level, string Message)>)> CallAsync<T>(TestHost host, HttpRequest request, Func<T, HttpRequest, Task<IActionResult>> run)
        where T : class
    {
        var log = new CapturingLogger<T>();
        var answer = await run(ActivatorUtilities.CreateInstance<T>(host.Services, log), request);
        return (answer, request, log.Entries);
    }
}
