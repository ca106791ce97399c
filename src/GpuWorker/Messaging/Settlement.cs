namespace Synomaly.GpuWorker.Messaging;

/// <summary>How a delivery was settled (recorded by the in-memory transport; also the shape of the settlement table).</summary>
public enum SettlementKind
{
    Completed,
    Abandoned,
    DeadLettered,
}

/// <summary>One settlement of one delivery.</summary>
public sealed record Settlement(string MessageId, int DeliveryCount, SettlementKind Kind, string? Reason = null, string? Description = null);
