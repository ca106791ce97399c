using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Synomaly.Storage.Hosting;

/// <summary>
/// One logical connection (for example <c>ScansStorage</c>) as the Functions host reads it: either a connection string
/// in the setting itself (Azurite, local) or identity-based sub-settings (<c>ScansStorage__blobServiceUri</c>,
/// <c>__credential</c>, <c>__clientId</c>) in Azure. Same names as docs/SETTINGS.md, so one configuration serves the
/// Functions bindings and the SDK clients.
/// </summary>
public sealed class AzureConnection
{
    private AzureConnection(string name, string? connectionString, IConfigurationSection section)
    {
        Name = name;
        ConnectionString = connectionString;
        Section = section;
    }

    public string Name { get; }

    /// <summary>The connection string, when the setting holds one (local runs).</summary>
    public string? ConnectionString { get; }

    private IConfigurationSection Section { get; }

    public bool IsConfigured => ConnectionString is not null || Section.GetChildren().Any();

    public static AzureConnection Read(IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(name);
        return new AzureConnection(name, string.IsNullOrWhiteSpace(section.Value) ? null : section.Value, section);
    }

    /// <summary>A sub-setting such as <c>blobServiceUri</c> or <c>fullyQualifiedNamespace</c>, required.</summary>
    public string Require(string key) =>
        Section[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Setting '{Name}' is missing: set '{Name}' to a connection string or '{Name}__{key}' for an identity-based connection.");

    public Uri RequireUri(string key) =>
        Uri.TryCreate(Require(key), UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"Setting '{Name}__{key}' is not an absolute URI.");

    /// <summary>
    /// A deterministic credential in Azure (<c>__credential=managedidentity</c>, user-assigned when <c>__clientId</c> is
    /// set); <see cref="DefaultAzureCredential"/> only where no credential is named (a developer's machine).
    /// </summary>
    public TokenCredential CreateCredential()
    {
        if (string.Equals(Section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            return Section["clientId"] is { Length: > 0 } clientId
                ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
                : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
        }

        return new DefaultAzureCredential();
    }
}
