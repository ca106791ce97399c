namespace Synomaly.Functions.Services.Uploads;

/// <summary>What a portal needs to upload one scan: its id and a write-only SAS URL for exactly one blob.</summary>
public sealed record UploadTicket(string ScanId, Uri UploadUrl, DateTimeOffset ExpiresOn);
