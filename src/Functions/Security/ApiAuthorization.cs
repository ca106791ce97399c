using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Synomaly.Functions.Http;
using Synomaly.Functions.Options;

namespace Synomaly.Functions.Security;

/// <summary>
/// The per-operation check of the HTTP API: with <c>Api__RequireAppRoles</c> on, a caller needs one of the app roles that
/// admit it to the operation (<see cref="ApiRoles.Admitting"/>); App Service Authentication itself checks who may call
/// (client application, identity, tenant), never which role the caller holds. Every HTTP trigger but the health probe asks
/// it first, before reading anything.
/// </summary>
public sealed class ApiAuthorization(IOptions<ApiAuthorizationOptions> options)
{
    /// <returns>Null when the caller may go on; otherwise the 401 (no principal) or 403 (no admitting role) to answer.</returns>
    public ObjectResult? Refusal(HttpRequest request, ApiAccess access)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!options.Value.RequireAppRoles)
        {
            return null;
        }

        var (principal, error) = ClientPrincipal.Read(request);
        if (principal is null)
        {
            return Problems.NotAuthenticated(error!);
        }

        var admitting = ApiRoles.Admitting(access);
        return admitting.Any(principal.Roles.Contains)
            ? null
            : Problems.RoleRequired($"This operation needs the app role {string.Join(" or ", admitting.Select(r => $"'{r}'"))}, which the caller does not hold.");
    }
}
