using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.OpenApi;
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
    /// <param name="operationId">
    /// The asking function's [Function] name, which is its operation id in <see cref="ApiCatalog"/>. The role comes from
    /// that catalog entry, the same one the OpenAPI document is written from: a trigger names itself, never a role, so it
    /// cannot demand another role than the document states.
    /// </param>
    /// <returns>Null when the caller may go on; otherwise the 401 (no principal) or 403 (no admitting role) to answer.</returns>
    /// <exception cref="ArgumentException">The catalog has no such operation, or it is anonymous (no role to check).</exception>
    public ObjectResult? Refusal(HttpRequest request, string operationId) => Refusal(request, AccessOf(operationId));

    /// <summary>
    /// The check of an operation on one scan: as <see cref="Refusal(HttpRequest, string)"/>, with the operation's
    /// <see cref="ApiOperation.ArchiveScanAccess"/> where <paramref name="scanId"/> is an archive scan's. Asked with the
    /// id as it will be looked up (<see cref="RouteScanId.Normalize"/>), before anything is read.
    /// </summary>
    public ObjectResult? Refusal(HttpRequest request, string operationId, string scanId)
    {
        // Looked up first, so a trigger that names no guarded operation fails in every call (see AccessOf).
        var access = AccessOf(operationId);
        return Refusal(request, BlobLayout.IsArchiveScanId(scanId) ? ApiCatalog.Find(operationId).ArchiveScanAccess ?? access : access);
    }

    private ObjectResult? Refusal(HttpRequest request, ApiAccess access)
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

    /// <summary>Looked up before the setting is read, so a trigger that names no guarded operation fails in every call, not only in deployments that require roles.</summary>
    private static ApiAccess AccessOf(string operationId) =>
        ApiCatalog.Find(operationId).Access
        ?? throw new ArgumentException($"The API catalog lists operation '{operationId}' as anonymous: it needs no role, so it has nothing to check.", nameof(operationId));
}
