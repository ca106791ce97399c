namespace Synomaly.Functions.Services.Jobs;

/// <summary>A blob's Content-MD5 as job records keep it: base64, or null where the service computed none.</summary>
public static class ContentMd5
{
    public static string? Of(byte[]? contentHash) => contentHash is { Length: > 0 } hash ? Convert.ToBase64String(hash) : null;
}
