namespace Synomaly.Contracts.Tests;

/// <summary>
/// The one reading of an upload's blob name, which intake (what it queues) and the worker (what it reads) both use: a
/// name the one takes and the other refuses would be a job failed as SourceNotAllowed after intake said Queued.
/// </summary>
public sealed class UploadBlobNameTests
{
    private const string Id = "3f2b-scan";

    public static TheoryData<string, string?, bool> Names => new()
    {
        { $"{Id}/scan.dcm", Id, true },
        { $"{Id}/scan.nii.gz", Id, true },
        // One file directly under the scan's folder, or a malformed name in that scan's folder (ignored by intake: InvalidPath, nothing recorded).
        { $"{Id}/a/b", Id, false },
        { $"{Id}/", Id, false },
        { $"{Id}//scan.dcm", Id, false },
        { $"{Id}/ ", Id, false },
        { $"{Id}/a\\b", Id, false },
        { Id, Id, false },
        // A '.' or '..' segment: every client removes it (RFC 3986 dot segments), so a URL for the name addresses
        // another blob (scans/{id}/. is scans/{id}, scans/{id}/.. is the container): the name is no scan's at all.
        { $"{Id}/.", null, false },
        { $"{Id}/..", null, false },
        { $"{Id}/x/../scan.dcm", null, false },
        { $"{Id}/./scan.dcm", null, false },
        { $"{Id}/../other/scan.dcm", null, false },
        // No scan id first.
        { "Jane_Doe.dcm", null, false },
        { "", null, false },
        { "/scan.dcm", null, false },
        { "a.b/scan.dcm", null, false },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void An_upload_name_gives_its_scan_id_and_whether_it_is_one_file_under_it(string name, string? scanId, bool wellFormed)
    {
        var parsed = UploadBlobName.Parse(name);

        Assert.Equal((scanId, scanId is not null, wellFormed), (parsed.ScanId, parsed.IsValidScanId, parsed.IsWellFormed));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_worker_reads_for_a_scan_exactly_the_well_formed_uploads_intake_gives_that_scan(string name, string? scanId, bool wellFormed)
    {
        Assert.Equal(wellFormed, BlobLayout.IsUploadOf(scanId ?? Id, name));
        Assert.False(BlobLayout.IsUploadOf("other-scan", name));
    }

    [Theory]
    [InlineData("scan.dcm")]
    [InlineData("scan")]
    [InlineData("...")]
    public void Every_name_the_upload_path_gives_is_a_well_formed_upload_of_its_scan(string file)
    {
        var parsed = UploadBlobName.Parse(BlobLayout.UploadPath(Id, file));

        Assert.Equal((Id, true), (parsed.ScanId, parsed.IsWellFormed));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData(" ")]
    [InlineData("a\\b")]
    public void A_file_segment_the_parser_refuses_is_one_the_upload_path_refuses_too(string file)
    {
        Assert.Throws<ArgumentException>(() => BlobLayout.UploadPath(Id, file));
    }
}
