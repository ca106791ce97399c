using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Synomaly.Functions.Triggers;

namespace Synomaly.Functions.Tests;

/// <summary>
/// One harmless call of each HTTP function by its operation id (ApiCatalog): bad or unknown ids, invalid bodies, dry
/// lookups, so that a caller the role check lets through gets an ordinary answer and nothing of another test changes.
/// </summary>
internal static class ApiCalls
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <param name="decorate">Adds the caller identity under test (or none) to the request.</param>
    public static async Task<IActionResult> InvokeAsync(TestHost host, string operationId, Func<HttpRequest, HttpRequest> decorate) => operationId switch
    {
        nameof(CreateScanUpload) => await host.Function<CreateScanUpload>().Run(decorate(HttpRequests.Create("POST")), Ct),
        nameof(ListScans) => await host.Function<ListScans>().Run(decorate(HttpRequests.Create("GET", query: "?pageSize=1")), Ct),
        nameof(GetScanStatus) => await host.Function<GetScanStatus>().Run(decorate(HttpRequests.Create("GET")), ScanBytes.NewScanId(), Ct),
        nameof(DeleteScan) => await host.Function<DeleteScan>().Run(decorate(HttpRequests.Create("DELETE")), "bad id!", Ct),
        nameof(RetryScan) => await host.Function<RetryScan>().Run(decorate(HttpRequests.Create("POST")), ScanBytes.NewScanId(), Ct),
        nameof(RetryFailedScans) => await host.Function<RetryFailedScans>().Run(decorate(HttpRequests.Create("POST", "{}")), Ct),
        nameof(StartReprocess) => await host.Function<StartReprocess>().Run(decorate(HttpRequests.Create("POST", """{"prefix":"../x"}""")), Ct),
        nameof(GetReprocessRun) => await host.Function<GetReprocessRun>().Run(decorate(HttpRequests.Create("GET")), "r-unknown", Ct),
        nameof(GetOpenApiDocument) => host.Function<GetOpenApiDocument>().Run(decorate(HttpRequests.Create("GET"))),
        nameof(Health) => host.Function<Health>().Run(decorate(HttpRequests.Create("GET"))),
        _ => throw new ArgumentOutOfRangeException(nameof(operationId), operationId, "No call for this operation: add one."),
    };

    /// <summary>The status code of an answer (a ContentResult or an ObjectResult).</summary>
    public static int Status(IActionResult result) => result switch
    {
        ContentResult content => content.StatusCode!.Value,
        ObjectResult other => other.StatusCode ?? StatusCodes.Status200OK,
        _ => throw new InvalidOperationException($"Unexpected result {result.GetType().Name}."),
    };
}
