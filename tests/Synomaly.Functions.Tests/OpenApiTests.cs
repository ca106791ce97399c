using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Synomaly.Functions.Http;
using Synomaly.Functions.OpenApi;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The OpenAPI document (GET /api/openapi.json, checked in as docs/openapi.json) describes exactly the HTTP functions the
/// build generated, is valid OpenAPI to the reference .NET reader, and every answer the functions give conforms to it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OpenApiTests(AzuriteFixture azurite)
{
    private const string UpdateVariable = "SYNOMALY_UPDATE_OPENAPI";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject Document => JsonNode.Parse(OpenApiDocumentBuilder.Json)!.AsObject();

    [Fact]
    public void The_document_describes_exactly_the_http_functions_the_build_generated()
    {
        var path = Path.Combine(BuildOutputs.Get(typeof(OpenApiTests).Assembly, "FunctionsOutputDirectory"), "functions.metadata");
        var generated = JsonNode.Parse(File.ReadAllText(path))!.AsArray()
            .SelectMany(f => f!["bindings"]!.AsArray()
                .Where(b => b!["type"]!.GetValue<string>() == "httpTrigger")
                .SelectMany(b => b!["methods"]!.AsArray().Select(m => $"{f["name"]} {m} /{b["route"]} {b["authLevel"]}")))
            .Order(StringComparer.Ordinal);
        var described = ApiCatalog.Operations
            .Select(o => $"{o.OperationId} {o.Method} /{o.Route} {(o.Anonymous ? "Anonymous" : "Function")}")
            .Order(StringComparer.Ordinal);

        Assert.Equal(generated, described);
    }

    [Fact]
    public void Every_way_to_call_a_keyed_route_includes_the_function_key_and_one_also_carries_the_bearer_token()
    {
        // Every route but health is Function level, so no alternative may offer the bearer token instead of the key (the
        // description once said "as well or instead"), and clients behind sign-in must be told to send the token too.
        var document = Document;
        var alternatives = document["security"]!.AsArray().Select(a => a!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToArray()).ToArray();

        Assert.All(alternatives, a => Assert.Contains("functionKey", a));
        Assert.Contains(alternatives, a => a.SequenceEqual(["entraIdBearer", "functionKey"]));
        Assert.Equal("bearer", document["components"]!["securitySchemes"]!["entraIdBearer"]!["scheme"]!.GetValue<string>());
        Assert.DoesNotContain("instead", document["components"]!["securitySchemes"]!["functionKey"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_checked_in_document_is_the_one_the_code_writes()
    {
        var file = Path.Combine(TestPaths.RepositoryRoot, "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(file, OpenApiDocumentBuilder.Json);
        }

        Assert.True(
            File.Exists(file) && File.ReadAllText(file) == OpenApiDocumentBuilder.Json,
            $"docs/openapi.json differs from the document the code writes: run this test with {UpdateVariable}=1 and commit the file.");
    }

    [Fact]
    public void The_delete_conflict_names_both_problem_types_a_client_acts_on()
    {
        var conflict = Document["paths"]!["/scans/{scanId}"]!["delete"]!["responses"]!["409"]!["description"]!.GetValue<string>();

        Assert.Contains(Problems.ArchiveHoldsSourceType, conflict, StringComparison.Ordinal);
        Assert.Contains(Problems.ErasureIncompleteType, conflict, StringComparison.Ordinal);
        Assert.Contains("storage refused a blob delete", conflict, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reference_reader_reads_the_document_without_errors_or_rule_violations()
    {
        var (document, diagnostic) = OpenApiDocument.Parse(OpenApiDocumentBuilder.Json, "json");

        Assert.NotNull(document);
        Assert.Empty(diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        Assert.Equal(ApiCatalog.Operations.Count, document.Paths.Sum(p => p.Value.Operations!.Count));
    }

    [Fact]
    public void A_response_schema_requires_every_property_and_says_which_may_be_null()
    {
        var schema = OpenApiDocumentBuilder.Export(typeof(Services.Status.ScanSummary), request: false);

        Assert.Equal(["createdAt", "errorCode", "finishedAt", "modelVersion", "origin", "scanId", "state"], schema["required"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        Assert.Equal("""["string","null"]""", schema["properties"]!["errorCode"]!["type"]!.ToJsonString());
        Assert.Equal("\"string\"", schema["properties"]!["scanId"]!["type"]!.ToJsonString());
        Assert.Contains("Succeeded", schema["properties"]!["state"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void A_request_schema_requires_only_what_its_handler_refuses_to_go_without()
    {
        var schemas = Document["components"]!["schemas"]!;

        Assert.Equal(["errorCodes"], schemas["FailedUploadRetryRequest"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Null(schemas["BulkRunRequest"]!["required"]);
        Assert.Null(schemas["CreateScanUploadRequest"]!["required"]);
    }

    [Theory]
    [InlineData("CreateScanUploadRequest")]
    [InlineData("FailedUploadRetryRequest")]
    [InlineData("BulkRunRequest")]
    public void A_request_schema_allows_no_field_beyond_its_own_as_the_handler_refuses_them(string name)
    {
        var schemas = Document["components"]!["schemas"]!;

        Assert.Equal("false", schemas[name]!["additionalProperties"]?.ToJsonString());
    }

    [Fact]
    public async Task Every_declared_answer_occurs_and_conforms_to_its_schema()
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var failed = await host.FailedUploadAsync();
        var succeeded = ScanBytes.NewScanId();
        await host.SucceededJobAsync(succeeded);
        // Each answer with the response its headers went to (the problem's Retry-After is set there).
        var answers = new List<(string Operation, IActionResult Result, HttpResponse Response)>();
        async Task Call(string operation, HttpRequest request, Func<HttpRequest, Task<IActionResult>> call) => answers.Add((operation, await call(request), request.HttpContext.Response));

        await Call(nameof(CreateScanUpload), HttpRequests.Create("POST", """{"fileName":"x.nii.gz"}"""), r => host.Function<CreateScanUpload>().Run(r, Ct));
        await Call(nameof(CreateScanUpload), HttpRequests.Create("POST", "not json"), r => host.Function<CreateScanUpload>().Run(r, Ct));
        var refusedKey = ActivatorUtilities.CreateInstance<Services.Uploads.UploadService>(host.Services, new RefusingSasIssuer(host.Blobs, new Azure.RequestFailedException(503, "refused", "ServerBusy", null)));
        await Call(nameof(CreateScanUpload), HttpRequests.Create("POST"), r => ActivatorUtilities.CreateInstance<CreateScanUpload>(host.Services, refusedKey).Run(r, Ct));
        await Call(nameof(ListScans), HttpRequests.Create("GET", query: "?status=Succeeded&pageSize=5"), r => host.Function<ListScans>().Run(r, Ct));
        await Call(nameof(ListScans), HttpRequests.Create("GET", query: "?pageSize=0"), r => host.Function<ListScans>().Run(r, Ct));
        await Call(nameof(GetScanStatus), HttpRequests.Create("GET"), r => host.Function<GetScanStatus>().Run(r, succeeded, Ct));
        await Call(nameof(GetScanStatus), HttpRequests.Create("GET"), r => host.Function<GetScanStatus>().Run(r, failed, Ct));
        await Call(nameof(GetScanStatus), HttpRequests.Create("GET"), r => host.Function<GetScanStatus>().Run(r, "bad id!", Ct));
        await Call(nameof(GetScanStatus), HttpRequests.Create("GET"), r => host.Function<GetScanStatus>().Run(r, ScanBytes.NewScanId(), Ct));
        var unreadable = await host.FailedUploadAsync();
        await host.WriteUnreadableJobRecordAsync(unreadable, "v1", new() { ["State"] = "Paused" });
        await Call(nameof(GetScanStatus), HttpRequests.Create("GET"), r => host.Function<GetScanStatus>().Run(r, unreadable, Ct));
        await Call(nameof(RetryScan), HttpRequests.Create("POST"), r => host.Function<RetryScan>().Run(r, failed, Ct));
        await Call(nameof(RetryScan), HttpRequests.Create("POST"), r => host.Function<RetryScan>().Run(r, "bad id!", Ct));
        await Call(nameof(RetryScan), HttpRequests.Create("POST"), r => host.Function<RetryScan>().Run(r, ScanBytes.NewScanId(), Ct));
        await Call(nameof(RetryScan), HttpRequests.Create("POST"), r => host.Function<RetryScan>().Run(r, succeeded, Ct));
        await Call(nameof(RetryScan), HttpRequests.Create("POST"), r => host.Function<RetryScan>().Run(r, unreadable, Ct));
        var archive = "a-" + ScanBytes.NewScanId();
        await host.Jobs.CreateAsync(new Storage.Jobs.JobRecord { ScanId = archive, ModelVersion = "v1", State = Contracts.JobState.Succeeded, Origin = Contracts.JobOrigin.Bulk }, Ct);
        await Call(nameof(DeleteScan), HttpRequests.Create("DELETE"), r => host.Function<DeleteScan>().Run(r, succeeded, Ct));
        await Call(nameof(DeleteScan), HttpRequests.Create("DELETE"), r => host.Function<DeleteScan>().Run(r, "bad id!", Ct));
        await Call(nameof(DeleteScan), HttpRequests.Create("DELETE"), r => host.Function<DeleteScan>().Run(r, ScanBytes.NewScanId(), Ct));
        await Call(nameof(DeleteScan), HttpRequests.Create("DELETE"), r => host.Function<DeleteScan>().Run(r, archive, Ct));
        // A blob delete storage denies (the Functions identity without its eraser role): the erasure's 500.
        var undeletable = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{undeletable}/scan.png", ScanBytes.Png());
        var denied = new BlobOutage { Only = r => r.Method == Azure.Core.RequestMethod.Delete, Failure = () => new Azure.RequestFailedException(403, "Denied.", "AuthorizationPermissionMismatch", null) };
        var deniedErasure = ActivatorUtilities.CreateInstance<Services.Erasure.ScanErasureService>(host.Services, new Azure.Storage.Blobs.BlobServiceClient(host.ConnectionString, denied.Options()));
        await Call(nameof(DeleteScan), HttpRequests.Create("DELETE"), r => ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, deniedErasure).Run(r, undeletable, Ct));
        await Call(nameof(RetryFailedScans), HttpRequests.Create("POST", """{"errorCodes":["Timeout"],"dryRun":true}"""), r => host.Function<RetryFailedScans>().Run(r, Ct));
        await Call(nameof(RetryFailedScans), HttpRequests.Create("POST", "{}"), r => host.Function<RetryFailedScans>().Run(r, Ct));
        await Call(nameof(StartReprocess), HttpRequests.Create("POST", """{"prefix":"nothing-here/","dryRun":true}"""), r => host.Function<StartReprocess>().Run(r, Ct));
        await Call(nameof(StartReprocess), HttpRequests.Create("POST", """{"prefix":"../x"}"""), r => host.Function<StartReprocess>().Run(r, Ct));
        var runId = ((Microsoft.AspNetCore.Mvc.AcceptedResult)answers[^2].Result).Location!.Split('/')[^1];
        await Call(nameof(GetReprocessRun), HttpRequests.Create("GET"), r => host.Function<GetReprocessRun>().Run(r, runId, Ct));
        await Call(nameof(GetReprocessRun), HttpRequests.Create("GET"), r => host.Function<GetReprocessRun>().Run(r, "bad id!", Ct));
        await Call(nameof(GetReprocessRun), HttpRequests.Create("GET"), r => host.Function<GetReprocessRun>().Run(r, "r-unknown", Ct));
        await Call(nameof(Health), HttpRequests.Create("GET"), r => Task.FromResult(host.Function<Health>().Run(r)));

        // The answers of an outage: the worker queue refuses every publish, the bulk step queue its first write.
        var outage = new OutagePublisher();
        await using var down = await TestHost.CreateAsync(azurite, publisher: outage, steps: new FailingOnceSteps());
        var stranded = await down.FailedUploadAsync();
        outage.FailsFor = _ => true;
        await Call(nameof(RetryScan), HttpRequests.Create("POST"), r => down.Function<RetryScan>().Run(r, stranded, Ct));
        await Call(nameof(RetryFailedScans), HttpRequests.Create("POST", """{"errorCodes":["StorageUnavailable"]}"""), r => down.Function<RetryFailedScans>().Run(r, Ct));
        await Call(nameof(StartReprocess), HttpRequests.Create("POST", """{"dryRun":true}"""), r => down.Function<StartReprocess>().Run(r, Ct));
        await Call(nameof(GetOpenApiDocument), HttpRequests.Create("GET"), r => Task.FromResult(host.Function<GetOpenApiDocument>().Run(r)));

        // The answers of a job table that does not exist (an incomplete deployment, or the table deleted).
        await using var tableless = await TestHost.CreateAsync(azurite);
        var orphan = await tableless.FailedUploadAsync();
        await tableless.JobsTable.DeleteAsync(Ct);
        await Call(nameof(ListScans), HttpRequests.Create("GET"), r => tableless.Function<ListScans>().Run(r, Ct));
        await Call(nameof(GetScanStatus), HttpRequests.Create("GET"), r => tableless.Function<GetScanStatus>().Run(r, orphan, Ct));
        await Call(nameof(DeleteScan), HttpRequests.Create("DELETE"), r => tableless.Function<DeleteScan>().Run(r, orphan, Ct));
        await Call(nameof(RetryScan), HttpRequests.Create("POST"), r => tableless.Function<RetryScan>().Run(r, orphan, Ct));
        await Call(nameof(RetryFailedScans), HttpRequests.Create("POST", """{"errorCodes":["StorageUnavailable"]}"""), r => tableless.Function<RetryFailedScans>().Run(r, Ct));
        await new Azure.Data.Tables.TableClient(tableless.ConnectionString, tableless.BulkRunsTable).DeleteAsync(Ct);
        await Call(nameof(GetReprocessRun), HttpRequests.Create("GET"), r => tableless.Function<GetReprocessRun>().Run(r, "r-unknown", Ct));

        // The answers of the role check (Api__RequireAppRoles): no principal, and a principal without an admitting role.
        await using var guarded = await TestHost.CreateAsync(azurite, new() { ["Api:RequireAppRoles"] = "true" });
        foreach (var operation in ApiCatalog.Operations.Where(o => !o.Anonymous))
        {
            HttpRequest? sent = null;
            answers.Add((operation.OperationId, await ApiCalls.InvokeAsync(guarded, operation.OperationId, r => sent = r), sent!.HttpContext.Response));
            answers.Add((operation.OperationId, await ApiCalls.InvokeAsync(guarded, operation.OperationId, r => sent = r.WithRoles("Scans.Other")), sent!.HttpContext.Response));
        }

        var document = Document;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (operation, result, response) in answers)
        {
            var (status, body, location) = Read(result);
            var declared = Declared(document, operation, status);
            Assert.True(declared is not null, $"{operation} answered {status}, which the document does not declare.");
            if (declared!["headers"]?["Location"] is not null)
            {
                Assert.False(string.IsNullOrEmpty(location), $"{operation} {status} declares a Location header but sent none.");
            }

            if (declared["headers"]?["Retry-After"] is not null)
            {
                // Declared for the status, so every answer of it sends one (POST /reprocess's run-not-started did not).
                var type = body.TryGetProperty("type", out var t) ? t.GetString() : null;
                Assert.True(int.TryParse(response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0, $"{operation} {status} ({type}) declares a Retry-After header but sent none.");
            }

            var schema = declared["content"]!.AsObject().Single().Value!["schema"]!;
            var resolved = schema["$ref"] is { } reference ? document["components"]!["schemas"]![reference.GetValue<string>().Split('/')[^1]]! : schema;
            var evaluation = JsonSchema.FromText(resolved.ToJsonString()).Evaluate(body, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(evaluation.IsValid, $"{operation} {status}: {body}\n{string.Join("\n", (evaluation.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))}");
            seen.Add($"{operation} {status}");
        }

        var every = ApiCatalog.Operations.SelectMany(o => o.Responses.Select(r => $"{o.OperationId} {r.Status}"));
        Assert.Equal(every.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    /// <summary>The status, the JSON the client receives (serialized as the app serializes), and the Location header.</summary>
    private static (int Status, JsonElement Body, string? Location) Read(IActionResult result) => result switch
    {
        ContentResult content => (content.StatusCode!.Value, JsonDocument.Parse(content.Content!).RootElement.Clone(), null),
        CreatedResult created => (201, Serialize(created.Value), created.Location),
        AcceptedResult accepted => (202, Serialize(accepted.Value), accepted.Location),
        ObjectResult other => (other.StatusCode ?? 200, Serialize(other.Value), null),
        _ => throw new InvalidOperationException($"Unexpected result {result.GetType().Name}."),
    };

    private static JsonElement Serialize(object? value) => JsonSerializer.SerializeToElement(value, value?.GetType() ?? typeof(object), ApiJson.Options);

    private static JsonObject? Declared(JsonObject document, string operationId, int status) =>
        document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(m => m.Value!.AsObject()))
            .Single(o => o["operationId"]!.GetValue<string>() == operationId)["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?.AsObject();
}
