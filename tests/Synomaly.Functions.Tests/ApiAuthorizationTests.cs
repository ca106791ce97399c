using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.OpenApi;
using Synomaly.Functions.Options;
using Synomaly.Functions.Security;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// <c>Api__RequireAppRoles</c>: every HTTP operation but the health probe needs an app role read from the principal App
/// Service Authentication passes on; off, the routes answer as before, with no principal.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ApiAuthorizationTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> RolesRequired = new() { ["Api:RequireAppRoles"] = "true" };

    /// <summary>Every app role the API defines (the constants of <see cref="ApiRoles"/>).</summary>
    private static readonly string[] AllRoles =
        [.. typeof(ApiRoles).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The HTTP functions that need a function key, found by reflection (all but the health probe).</summary>
    public static TheoryData<string> GuardedFunctions => [.. HttpFunctions.All.Where(f => !f.Anonymous).Select(f => f.Name)];

    [Fact]
    public void Every_http_function_has_exactly_one_catalog_operation_which_states_a_role_unless_the_function_is_anonymous()
    {
        Assert.NotEmpty(GuardedFunctions);
        foreach (var function in HttpFunctions.All)
        {
            var operation = Assert.Single(ApiCatalog.Operations, o => o.OperationId == function.Name);
            Assert.Equal(function.Anonymous, operation.Anonymous);
            Assert.True(operation.Access.HasValue != function.Anonymous, $"{function.Name}: a keyed operation states who it is for, an anonymous one nobody.");
        }

        Assert.Equal(HttpFunctions.All.Select(f => f.Name), ApiCatalog.Operations.Select(o => o.OperationId).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(GuardedFunctions))]
    public async Task With_roles_required_a_function_admits_exactly_the_roles_its_catalog_operation_states(string function)
    {
        await using var host = await TestHost.CreateAsync(azurite, RolesRequired);
        var call = HttpFunctions.All.Single(f => f.Name == function);
        var admitting = ApiRoles.Admitting(ApiCatalog.Find(function).Access!.Value);

        Assert.Equal((401, Problems.NotAuthenticatedType), Problem(await call.InvokeAsync(host, r => r)));
        // Every role the API defines but the admitting ones, and a role foreign to the API.
        foreach (var role in AllRoles.Except(admitting).Append("Scans.Other"))
        {
            var refused = await call.InvokeAsync(host, r => r.WithRoles(role));
            Assert.Equal((403, Problems.RoleRequiredType), Problem(refused));
            Assert.All(admitting, a => Assert.Contains($"'{a}'", ((ProblemDetails)((ObjectResult)refused).Value!).Detail, StringComparison.Ordinal));
        }

        foreach (var role in admitting)
        {
            var admitted = ApiCalls.Status(await call.InvokeAsync(host, r => r.WithRoles("Other.Role", role)));
            Assert.True(admitted is not (401 or 403), $"{function} refused a caller with role {role}: {admitted}.");
        }
    }

    [Theory]
    [MemberData(nameof(GuardedFunctions))]
    public async Task With_roles_not_required_a_function_goes_on_without_any_principal(string function)
    {
        await using var host = await TestHost.CreateAsync(azurite);

        var status = ApiCalls.Status(await HttpFunctions.All.Single(f => f.Name == function).InvokeAsync(host, r => r));

        Assert.True(status is not (401 or 403), $"{function} answered {status} with the role check off.");
    }

    [Theory]
    [InlineData("NoSuchOperation", "no operation 'NoSuchOperation'")]
    [InlineData(nameof(Health), "operation 'Health' as anonymous")]
    public void A_check_asked_for_an_operation_the_catalog_does_not_guard_is_an_error_naming_it_even_with_roles_not_required(string operationId, string named)
    {
        var authorization = new ApiAuthorization(Microsoft.Extensions.Options.Options.Create(new ApiAuthorizationOptions()));

        var error = Assert.Throws<ArgumentException>(() => authorization.Refusal(HttpRequests.Create("GET"), operationId));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Portal_operations_are_for_portals_and_operators_and_the_rest_for_operators_only()
    {
        var access = ApiCatalog.Operations.Where(o => !o.Anonymous).ToDictionary(o => o.OperationId, o => o.Access);

        Assert.Equal(
            [nameof(CreateScanUpload), nameof(GetOpenApiDocument), nameof(GetScanStatus)],
            access.Where(a => a.Value == ApiAccess.Portal).Select(a => a.Key).Order(StringComparer.Ordinal));
        Assert.All(access.Values, a => Assert.NotNull(a));
        Assert.Equal(["Scans.ReadWrite", "Scans.Operate"], ApiRoles.Admitting(ApiAccess.Portal));
        Assert.Equal(["Scans.Operate"], ApiRoles.Admitting(ApiAccess.Operator));

        await using var host = await TestHost.CreateAsync(azurite, RolesRequired);
        Assert.Equal(200, ApiCalls.Status(await ApiCalls.InvokeAsync(host, nameof(Health), r => r)));
    }

    [Fact]
    public async Task A_portal_cannot_erase_a_scan_and_nothing_of_it_changes()
    {
        await using var host = await TestHost.CreateAsync(azurite, RolesRequired);
        var scanId = ScanBytes.NewScanId();
        await host.SucceededJobAsync(scanId);

        var answer = await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE").WithRoles(ApiRoles.Portal), scanId, Ct);

        Assert.Equal((403, Problems.RoleRequiredType), Problem(answer));
        Assert.Contains("'Scans.Operate'", Assert.IsType<ProblemDetails>(((ObjectResult)answer).Value).Detail, StringComparison.Ordinal);
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
        Assert.Equal(3, (await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId)).Count);
    }

    [Fact]
    public async Task A_portal_reads_upload_scans_but_an_archive_scan_only_an_operator_reads()
    {
        await using var host = await TestHost.CreateAsync(azurite, RolesRequired);
        // An archive scan's id is a keyed hash of its file's name. Its results are the archive owner's, never a portal's upload.
        var archiveId = await host.ArchiveScanIdAsync($"2024/Doe Jane {Guid.NewGuid():N}.nii.gz");
        await host.SucceededJobAsync(archiveId);
        var uploadId = ScanBytes.NewScanId();
        await host.SucceededJobAsync(uploadId);
        var status = host.Function<GetScanStatus>();

        var refused = await status.Run(HttpRequests.Create("GET").WithRoles(ApiRoles.Portal), archiveId, Ct);

        Assert.Equal((403, Problems.RoleRequiredType), Problem(refused));
        Assert.Contains("'Scans.Operate'", Assert.IsType<ProblemDetails>(((ObjectResult)refused).Value).Detail, StringComparison.Ordinal);
        Assert.Equal(200, ApiCalls.Status(await status.Run(HttpRequests.Create("GET").WithRoles(ApiRoles.Operator), archiveId, Ct)));
        Assert.Equal(200, ApiCalls.Status(await status.Run(HttpRequests.Create("GET").WithRoles(ApiRoles.Portal), uploadId, Ct)));
    }

    private static (int Status, string? Type) Problem(IActionResult result) =>
        (ApiCalls.Status(result), (result as ObjectResult)?.Value is ProblemDetails problem ? problem.Type : null);
}
