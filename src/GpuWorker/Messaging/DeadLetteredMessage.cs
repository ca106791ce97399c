using System.Text.Json.Serialization;

namespace Synomaly.GpuWorker.Messaging;

/// <summary>
/// What the Storage Queue transport writes to the poison queue: the original message with the reason it was
/// dead-lettered. Storage queue messages have no properties, so the reason travels in this envelope (Service Bus keeps it
/// in DeadLetterReason / DeadLetterErrorDescription instead).
/// </summary>
public sealed record DeadLetteredMessage
{
    public required string MessageId { get; init; }

    public required string Reason { get; init; }

    public required string Description { get; init; }

    public required int DeliveryCount { get; init; }

    public required DateTimeOffset DeadLetteredAt { get; init; }

    /// <summary>The original message body (a ScanJob's JSON).</summary>
    public required string Body { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DeadLetteredMessage))]
public sealed partial class WorkerJsonContext : JsonSerializerContext;
