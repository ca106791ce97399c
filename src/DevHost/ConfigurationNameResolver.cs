using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Configuration;

namespace Synomaly.DevHost;

/// <summary>
/// Resolves %Name% in trigger attributes the way the Functions host sees app settings: <c>Bulk__Schedule</c> is also
/// looked up as the configuration key <c>Bulk:Schedule</c> (environment variables arrive with '__' turned into ':').
/// </summary>
public sealed class ConfigurationNameResolver(IConfiguration configuration) : INameResolver
{
    public string? Resolve(string name) =>
        configuration[name] ?? configuration[name.Replace("__", ":", StringComparison.Ordinal)];
}
