using System.Xml;
using Synomaly.Contracts;

namespace Synomaly.Infra.Tests;

/// <summary>The scan-jobs queue drops duplicate ScanJobs, bounds retries and keeps what it cannot deliver.</summary>
public sealed class ServiceBusQueueTests
{
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Queue_is_the_contract_queue_with_duplicate_detection_and_dead_lettering(string parameterFile)
    {
        var queue = PredictedDeployment.Load(parameterFile).Single("Microsoft.ServiceBus/namespaces/queues");

        Assert.EndsWith("/" + BlobLayout.ScanJobsQueue, queue.Name, StringComparison.Ordinal);
        Assert.True(queue.Bool("properties.requiresDuplicateDetection"));
        Assert.True(XmlConvert.ToTimeSpan(queue.String("properties.duplicateDetectionHistoryTimeWindow")) >= TimeSpan.FromMinutes(10));
        Assert.True(queue.Bool("properties.deadLetteringOnMessageExpiration"));
        Assert.False(queue.Bool("properties.requiresSession"));
    }

    /// <summary>
    /// The dead-letter alert (DeadletteredMessages of scan-jobs) and the review runbook read scan-jobs/$deadletterqueue.
    /// Forwarding would empty it (and refuse receivers there), and a forwarded message keeps its time to live, so expired
    /// jobs would arrive expired: docs/DEPLOY.md, "Why the operator's role reaches live ScanJobs too".
    /// </summary>
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Queue_keeps_its_dead_letters_in_its_own_dead_letter_sub_queue(string parameterFile)
    {
        var queue = PredictedDeployment.Load(parameterFile).Single("Microsoft.ServiceBus/namespaces/queues");

        Assert.False(queue.Has("properties.forwardDeadLetteredMessagesTo"), "scan-jobs forwards its dead letters.");
        Assert.False(queue.Has("properties.forwardTo"), "scan-jobs forwards its messages.");
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Queue_bounds_deliveries_and_holds_locks_as_long_as_service_bus_allows(string parameterFile)
    {
        var queue = PredictedDeployment.Load(parameterFile).Single("Microsoft.ServiceBus/namespaces/queues");
        var lockDuration = XmlConvert.ToTimeSpan(queue.String("properties.lockDuration"));

        Assert.InRange(queue.At("properties.maxDeliveryCount").GetInt32(), 2, 20);
        Assert.InRange(lockDuration, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_expiry_sweep_waits_exactly_the_queue_s_message_time_to_live(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var ttl = XmlConvert.ToTimeSpan(deployment.Single("Microsoft.ServiceBus/namespaces/queues").String("properties.defaultMessageTimeToLive"));
        var settings = deployment.Single("Microsoft.Web/sites/config").Properties;

        // A shorter sweep would fail jobs whose message can still reach a worker; a longer one leaves expired jobs Queued.
        Assert.Equal(ttl, TimeSpan.FromHours(int.Parse(settings.GetProperty("Expiry__MessageTimeToLiveHours").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.False(string.IsNullOrEmpty(settings.GetProperty("Expiry__Schedule").GetString()), "the timer binding %Expiry__Schedule% needs the setting");
    }
}
