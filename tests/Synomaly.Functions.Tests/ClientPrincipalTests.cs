using Microsoft.AspNetCore.Mvc;
using Synomaly.Functions.Http;
using Synomaly.Functions.Options;
using Synomaly.Functions.Security;
using Synomaly.Functions.Triggers;

namespace Synomaly.Functions.Tests;

/// <summary>The caller's app roles as read from the <c>X-MS-CLIENT-PRINCIPAL</c> header App Service Authentication sets.</summary>
public sealed class ClientPrincipalTests
{
    [Fact]
    public void Roles_are_read_from_roles_claims_and_from_claims_of_the_principals_role_type()
    {
        var request = HttpRequests.Create("GET").WithPrincipal("""
            {"auth_typ":"aad","name_typ":"name","role_typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
             "claims":[{"typ":"roles","val":"Scans.ReadWrite"},
                       {"typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role","val":"Scans.Operate"},
                       {"typ":"name","val":"Scans.Other"},{"typ":"roles","val":7},"not a claim"]}
            """);

        var (principal, error) = ClientPrincipal.Read(request);

        Assert.Null(error);
        Assert.Equal(["Scans.Operate", "Scans.ReadWrite"], principal!.Roles.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_principal_without_claims_has_no_roles()
    {
        var (principal, _) = ClientPrincipal.Read(HttpRequests.Create("GET").WithPrincipal("""{"auth_typ":"aad"}"""));

        Assert.Empty(principal!.Roles);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("bm90IGpzb24=")] // "not json"
    [InlineData("WzFd")] // "[1]": JSON, but no principal
    public void A_header_that_is_not_base64_json_of_a_principal_is_401_naming_the_header(string header)
    {
        var request = HttpRequests.Create("GET");
        request.Headers[ClientPrincipal.HeaderName] = header;

        var refusal = RolesRequired().Refusal(request, nameof(GetScanStatus));

        Assert.Equal(401, refusal!.StatusCode);
        var problem = Assert.IsType<ProblemDetails>(refusal.Value);
        Assert.Equal(Problems.NotAuthenticatedType, problem.Type);
        Assert.Contains(ClientPrincipal.HeaderName, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Roles_are_compared_exactly()
    {
        var refusal = RolesRequired().Refusal(HttpRequests.Create("GET").WithRoles("scans.operate"), nameof(ListScans));

        Assert.Equal(403, refusal!.StatusCode);
    }

    [Fact]
    public void With_the_setting_off_a_missing_or_forged_principal_is_not_looked_at()
    {
        var authorization = new ApiAuthorization(Microsoft.Extensions.Options.Options.Create(new ApiAuthorizationOptions()));
        var forged = HttpRequests.Create("GET");
        forged.Headers[ClientPrincipal.HeaderName] = "not base64!";

        Assert.Null(authorization.Refusal(HttpRequests.Create("GET"), nameof(ListScans)));
        Assert.Null(authorization.Refusal(forged, nameof(ListScans)));
    }

    private static ApiAuthorization RolesRequired() => new(Microsoft.Extensions.Options.Options.Create(new ApiAuthorizationOptions { RequireAppRoles = true }));
}
