namespace Synomaly.Functions.Options;

/// <summary>Settings <c>Api__*</c> (docs/SETTINGS.md): whether the HTTP API checks the caller's app roles.</summary>
public sealed class ApiAuthorizationOptions
{
    public const string Section = "Api";

    /// <summary>
    /// Each operation requires an app role (<see cref="ApiRoles"/>) in the principal App Service Authentication passes on.
    /// Off by default: local runs and deployments gated by function keys alone have no principal to read. Turn it on only
    /// behind App Service Authentication, which is what removes a caller's own <c>X-MS-CLIENT-PRINCIPAL</c> header.
    /// </summary>
    public bool RequireAppRoles { get; set; }
}
