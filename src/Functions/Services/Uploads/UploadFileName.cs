namespace Synomaly.Functions.Services.Uploads;

/// <summary>
/// The blob name an upload gets: "scan" plus a known extension taken from the portal's file name. The portal's name
/// itself is dropped, because file names from portals can hold patient data and blob names show up in logs and URLs.
/// </summary>
public static class UploadFileName
{
    /// <summary>Known extensions, longest first so that ".nii.gz" wins over ".gz".</summary>
    private static readonly string[] KnownExtensions = [".nii.gz", ".dcm", ".dicom", ".nii", ".png", ".jpg", ".jpeg", ".zip", ".gz"];

    public const string BaseName = "scan";

    public static string FromClientName(string? clientFileName)
    {
        var name = (clientFileName ?? "").Trim().ToLowerInvariant();
        var extension = KnownExtensions.FirstOrDefault(e => name.EndsWith(e, StringComparison.Ordinal)) ?? "";
        return BaseName + extension;
    }
}
