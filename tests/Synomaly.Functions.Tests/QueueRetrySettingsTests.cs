using System.Globalization;
using System.Text.Json;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// How the Functions host retries a failed queue message (host.json <c>extensions.queues</c>): the archive deletions
/// and bulk steps depend on it. With the extension's defaults (five attempts back to back) a storage hiccup of seconds
/// sent a valid deletion to the poison queue.
/// </summary>
public sealed class QueueRetrySettingsTests
{
    /// <summary>The shortest outage a queue message must outlast before the host gives up on it.</summary>
    private static readonly TimeSpan OutageToRideOut = TimeSpan.FromMinutes(5);

    [Fact]
    public void A_failed_queue_message_is_retried_apart_long_enough_to_outlast_a_storage_outage_of_minutes()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "host.json")));
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");
        var delay = TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, CultureInfo.InvariantCulture);
        var attempts = queues.GetProperty("maxDequeueCount").GetInt32();

        Assert.True(delay >= TimeSpan.FromSeconds(30), $"retries {delay} apart");
        Assert.True(delay * (attempts - 1) >= OutageToRideOut, $"{attempts} attempts {delay} apart give up within {delay * (attempts - 1)}");
        // The queue trigger and every producer encode messages as base64 (QueueTriggerText): the host must keep its default.
        Assert.False(queues.TryGetProperty("messageEncoding", out _));
    }
}
