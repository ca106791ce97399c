namespace Synomaly.Functions.Services.Bulk;

/// <summary>Why a run was closed unfinished, as the API shows it: the typed reason and its words.</summary>
public sealed record BulkRunStop(BulkRunStopReason Reason, string Detail);
