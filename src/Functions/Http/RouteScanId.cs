using Synomaly.Contracts;

namespace Synomaly.Functions.Http;

/// <summary>
/// The scan id of a route as the table and blob keys spell it. Upload ids are issued as lower-case GUIDs, but clients
/// and tools often print GUIDs in upper case, and the keys are case-sensitive: an upper-case copy of an issued id would
/// find nothing (a DELETE would answer 404 while the scan's data stays). A GUID-form id is therefore read as the GUID
/// it is, in the issued lower case; every other id (archive ids are issued lower-case too) is taken as it is.
/// </summary>
public static class RouteScanId
{
    /// <returns>The id to look up, or null when it breaks the id rule (<see cref="Problems.InvalidId"/>).</returns>
    public static string? Normalize(string? scanId)
    {
        if (!BlobLayout.IsValidScanId(scanId))
        {
            return null;
        }

        return Guid.TryParseExact(scanId, "D", out var guid) ? guid.ToString("D") : scanId;
    }
}
