using Microsoft.AspNetCore.Mvc;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.OpenApi;
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

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> GuardedOperations => [.. ApiCatalog.Operations.Where(o => !o.Anonymous).Select(o => o.OperationId)];

    [Theory]
    [MemberData(nameof(GuardedOperations))]
    public async Task With_roles_required_a_route_answers_401_without_a_principal_403_without_its_role_and_goes_on_with_it(string operationId)
    {
        await using var host = await TestHost.CreateAsync(azurite, RolesRequired);
        var access = ApiCatalog.Operations.Single(o => o.OperationId == operationId).Access!.Value;
        // A portal holds only the portal role; a portal operation refuses a caller whose roles are all foreign to the API.
        string[] wrong = access == ApiAccess.Operator ? [ApiRoles.Portal] : ["Scans.Other"];

        var anonymous = await ApiCalls.InvokeAsync(host, operationId, r => r);
        var withoutRole = await ApiCalls.InvokeAsync(host, operationId, r => r.WithRoles(wrong));

        Assert.Equal((401, Problems.NotAuthenticatedType), Problem(anonymous));
        Assert.Equal((403, Problems.RoleRequiredType), Problem(withoutRole));
        foreach (var role in ApiRoles.Admitting(access))
        {
            var admitted = ApiCalls.Status(await ApiCalls.InvokeAsync(host, operationId, r => r.WithRoles("Other.Role", role)));
            Assert.True(admitted is not (401 or 403), $"{operationId} refused a caller with role {role}: {admitted}.");
        }
    }

    [Theory]
    [MemberData(nameof(GuardedOperations))]
    public async Task With_roles_not_required_a_route_goes_on_without_any_principal(string operationId)
    {
        await using var host = await TestHost.CreateAsync(azurite);

        var status = ApiCalls.Status(await ApiCalls.InvokeAsync(host, operationId, r => r));

        Assert.True(status is not (401 or 403), $"{operationId} answered {status} with the role check off.");
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

    private static (int Status, string? Type) Problem(IActionResult result) =>
        (ApiCalls.Status(result), (result as ObjectResult)?.Value is ProblemDetails problem ? problem.Type : null);
}
