using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Synomaly.Functions.Options;

namespace Synomaly.Functions.Security;

/// <summary>
/// The caller as App Service Authentication ("EasyAuth") passes it on: the <c>X-MS-CLIENT-PRINCIPAL</c> header, base64 of
/// <c>{"auth_typ", "claims": [{"typ", "val"}], "name_typ", "role_typ"}</c>. EasyAuth sets it after validating the token
/// and removes one a client sent, so behind EasyAuth it can be trusted; without EasyAuth anyone can send it (which is why
/// <see cref="ApiAuthorizationOptions.RequireAppRoles"/> is only for apps behind it).
/// </summary>
public sealed record ClientPrincipal(IReadOnlySet<string> Roles)
{
    public const string HeaderName = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The claim type Entra ID gives app roles in a token; EasyAuth may also map it to the principal's role_typ.</summary>
    private const string RolesClaim = "roles";

    /// <returns>The principal; or null and why, when the request carries none or one that cannot be read.</returns>
    public static (ClientPrincipal? Principal, string? Error) Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string header = request.Headers[HeaderName].ToString();
        if (header.Length == 0)
        {
            return (null, $"The request carries no caller identity ({HeaderName}); App Service Authentication must authenticate it.");
        }

        string unreadable = $"The caller identity ({HeaderName}) is not base64 JSON of a client principal.";
        var bytes = new byte[header.Length];
        if (!Convert.TryFromBase64String(header, bytes, out int length))
        {
            return (null, unreadable);
        }

        try
        {
            using var json = JsonDocument.Parse(bytes.AsMemory(0, length));
            return json.RootElement.ValueKind == JsonValueKind.Object ? (new ClientPrincipal(RolesOf(json.RootElement)), null) : (null, unreadable);
        }
        catch (JsonException)
        {
            return (null, unreadable);
        }
    }

    /// <summary>The values of the claims that carry roles: of type <c>roles</c>, or of the principal's own role claim type.</summary>
    private static HashSet<string> RolesOf(JsonElement principal)
    {
        var roleTypes = new HashSet<string>(StringComparer.Ordinal) { RolesClaim };
        if (principal.TryGetProperty("role_typ", out var roleType) && roleType.ValueKind == JsonValueKind.String)
        {
            roleTypes.Add(roleType.GetString()!);
        }

        var roles = new HashSet<string>(StringComparer.Ordinal);
        if (principal.TryGetProperty("claims", out var claims) && claims.ValueKind == JsonValueKind.Array)
        {
            foreach (var claim in claims.EnumerateArray())
            {
                if (claim.ValueKind == JsonValueKind.Object
                    && claim.TryGetProperty("typ", out var type) && type.ValueKind == JsonValueKind.String && roleTypes.Contains(type.GetString()!)
                    && claim.TryGetProperty("val", out var value) && value.ValueKind == JsonValueKind.String)
                {
                    roles.Add(value.GetString()!);
                }
            }
        }

        return roles;
    }
}
