using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Http;
using Synomaly.Functions.Triggers;
using Synomaly.Storage;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>Every endpoint that reads the job table or the bulk run table, when the table fails for a passing reason or not.</summary>
[Trait("Category", "Integration")]
public sealed class StorageUnavailableApiTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Endpoints =
    [
        nameof(ListScans), nameof(GetScanStatus), nameof(RetryScan), nameof(RetryFailedScans), nameof(DeleteScan), nameof(StartReprocess), nameof(GetReprocessRun),
    ];

    /// <summary>What each try of a table request meets, as the SDK's transport reports it.</summary>
    private static readonly Dictionary<string, Func<Exception>> Passing = new()
    {
        ["ServerBusy"] = () => new RequestFailedException(503, "The server is busy.", "ServerBusy", null),
        ["OperationTimedOut"] = () => new RequestFailedException(500, "Operation could not be completed within the specified time.", "OperationTimedOut", null),
        // Azure.Core's transport wraps a connection failure so (status 0), and its retry policy retries it.
        ["NoAnswer"] = () => new RequestFailedException("No connection could be made because the target machine actively refused it.", new HttpRequestException("Connection refused")),
        // How Azure.Core ends a try that outlasted its network timeout; retried too.
        ["NetworkTimeout"] = () => new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout of 0:01:40."),
    };

    public static TheoryData<string, string> EndpointsAndPassingFailures()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in Endpoints)
        {
            foreach (var failure in Passing.Keys)
            {
                data.Add(endpoint, failure);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EndpointsAndPassingFailures))]
    public async Task An_endpoint_whose_table_fails_for_a_passing_reason_answers_a_503_problem_with_retry_after_and_logs_one_warning(string operation, string failure)
    {
        // The exception went past the function: the host's bare 500 with an empty body, which a portal cannot tell from a
        // bug and so does not repeat, and an error log for what is a moment's throttling.
        var outage = new TableOutage();
        await using var host = await TestHost.CreateAsync(azurite, tableOptions: outage.Options());
        var scanId = await host.FailedUploadAsync();
        outage.Failure = Passing[failure];

        var (answer, request, log) = await CallAsync(host, operation, scanId);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((503, Problems.StorageUnavailableType), (problem.Status, problem.Type));
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        var warning = Assert.Single(log);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(operation, warning.Message, StringComparison.Ordinal);
        var (status, code) = failure switch
        {
            "ServerBusy" => ("503", "ServerBusy"),
            "OperationTimedOut" => ("500", "OperationTimedOut"),
            _ => ("0", null),
        };
        Assert.Contains($"({status} {code}", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(scanId, warning.Message, StringComparison.Ordinal);
        Assert.Contains(status == "0" ? "no answer" : $"{status} {code}", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retry_of_failed_uploads_that_storage_stops_part_way_answers_the_503_with_what_the_call_did_before()
    {
        // The 503 had no done member, unlike the other two ways the call stops: a caller could not know that the first
        // scan had been queued again before storage failed.
        var outage = new TableOutage();
        await using var host = await TestHost.CreateAsync(azurite, tableOptions: outage.Options());
        var scans = new[] { await host.FailedUploadAsync(), await host.FailedUploadAsync(), await host.FailedUploadAsync() }.Order(StringComparer.Ordinal).ToArray();
        (outage.Failure, outage.Only) = (Passing["ServerBusy"], TableOutage.UriHolding(scans[1])); // the listing is in scan id order
        var request = HttpRequests.Create("POST", """{"errorCodes": ["StorageUnavailable"]}""");

        var stopped = await host.Function<RetryFailedScans>().Run(request, Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(stopped).Value);
        Assert.Equal((503, Problems.StorageUnavailableType), (problem.Status, problem.Type));
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        var done = Assert.IsType<Services.Intake.FailedUploadRetryResult>(problem.Extensions["done"]);
        Assert.Equal([scans[0]], done.ScanIds);
        Assert.Equal((2, 2), (done.Examined, done.Matched));
        Assert.Equal(1, done.Outcomes["StorageUnavailable"]);
    }

    [Theory]
    [InlineData(400, "InvalidInput")]
    [InlineData(403, "AuthorizationPermissionMismatch")]
    [InlineData(409, "EntityAlreadyExists")]
    [InlineData(412, "UpdateConditionNotSatisfied")]
    [InlineData(501, "NotImplemented")]
    public async Task A_table_failure_that_no_retry_mends_stays_an_exception_for_the_host_to_log_as_an_error(int status, string code)
    {
        // A bug of this app or a missing role: a 503 "ask again later" would hide it behind a retry loop.
        var outage = new TableOutage();
        await using var host = await TestHost.CreateAsync(azurite, tableOptions: outage.Options());
        var scanId = await host.FailedUploadAsync();
        outage.Failure = () => new RequestFailedException(status, "Refused.", code, null);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => CallAsync(host, nameof(GetScanStatus), scanId));

        Assert.Equal(status, error.Status);
    }

    [Fact]
    public async Task The_sdk_giving_up_on_network_faults_is_a_passing_failure_with_no_status()
    {
        // Spent retries end in an AggregateException of one fault per try, not in a RequestFailedException.
        var outage = new TableOutage { Failure = Passing["NoAnswer"] };
        var table = new TableClient(azurite.ConnectionString, "unused", outage.Options());

        var error = await Assert.ThrowsAsync<AggregateException>(() => table.GetEntityIfExistsAsync<TableEntity>("p", "r", cancellationToken: Ct));

        Assert.Equal(new StorageFailure(0, null), TransientStorageFailure.Of(error, Ct));
    }

    [Theory]
    [InlineData(408, "RequestTimeout")]
    [InlineData(429, "TooManyRequests")]
    [InlineData(500, "InternalError")]
    [InlineData(502, "BadGateway")]
    [InlineData(503, "ServerBusy")]
    [InlineData(504, "GatewayTimeout")]
    public async Task Each_passing_status_of_a_table_is_answered_503_with_its_status_and_code(int status, string code)
    {
        // Pins the classifier's list: the theory above covers only 503, 500 and no answer.
        var outage = new TableOutage();
        await using var host = await TestHost.CreateAsync(azurite, tableOptions: outage.Options());
        var scanId = await host.FailedUploadAsync();
        outage.Failure = () => new RequestFailedException(status, "Passing.", code, null);

        var (answer, _, log) = await CallAsync(host, nameof(GetScanStatus), scanId);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((503, Problems.StorageUnavailableType), (problem.Status, problem.Type));
        Assert.Contains($"({status} {code}", Assert.Single(log).Message, StringComparison.Ordinal);
    }

    private static Task<(IActionResult, HttpRequest, IReadOnlyList<(LogLevel Level, string Message)>)> CallAsync(TestHost host, string operation, string scanId) => operation switch
    {
        nameof(ListScans) => CallAsync<ListScans>(host, HttpRequests.Create("GET"), (f, r) => f.Run(r, Ct)),
        nameof(GetScanStatus) => CallAsync<GetScanStatus>(host, HttpRequests.Create("GET"), (f, r) => f.Run(r, scanId, Ct)),
        nameof(RetryScan) => CallAsync<RetryScan>(host, HttpRequests.Create("POST"), (f, r) => f.Run(r, scanId, Ct)),
        nameof(RetryFailedScans) => CallAsync<RetryFailedScans>(host, HttpRequests.Create("POST", """{"errorCodes":["StorageUnavailable"]}"""), (f, r) => f.Run(r, Ct)),
        nameof(DeleteScan) => CallAsync<DeleteScan>(host, HttpRequests.Create("DELETE"), (f, r) => f.Run(r, scanId, Ct)),
        nameof(StartReprocess) => CallAsync<StartReprocess>(host, HttpRequests.Create("POST", """{"dryRun":true}"""), (f, r) => f.Run(r, Ct)),
        _ => CallAsync<GetReprocessRun>(host, HttpRequests.Create("GET"), (f, r) => f.Run(r, "r-" + Guid.NewGuid().ToString("N"), Ct)),
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
