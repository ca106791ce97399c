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

    /// <summary>
    /// The original message text (a ScanJob's JSON, base64), or its start when the whole would not fit the poison queue's
    /// message limit (<see cref="BodyBytesDropped"/>).
    /// </summary>
    public required string Body { get; init; }

    /// <summary>UTF-8 bytes cut from the end of the original text to fit the envelope in one queue message; 0 = the whole text.</summary>
    public int BodyBytesDropped { get; init; }

    /// <summary>SHA-256 (lowercase hex) of the whole original text's UTF-8 bytes when part of it was dropped; otherwise null.</summary>
    public string? BodySha256 { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DeadLetteredMessage))]
public sealed partial class WorkerJsonContext : JsonSerializerContext;
