using Azure.Storage.Blobs.Models;
using Synomaly.Functions.Services.Intake;

namespace Synomaly.Functions.Tests;

/// <summary>The error message intake records for an upload it rejected (the job status's <c>error.message</c>).</summary>
public sealed class UploadRejectionReasonTests
{
    public static TheoryData<IntakeRejectionCode> EveryCode => [.. Enum.GetValues<IntakeRejectionCode>()];

    [Theory]
    [MemberData(nameof(EveryCode))]
    public void Every_rejection_code_has_wording_of_its_own_not_the_bare_code(IntakeRejectionCode code)
    {
        // The codes whose outcome writes no record today (InvalidPath, InvalidScanId, UnreadableJobRecord) fell through to
        // the code's name: the day one of them is recorded, or a code is added, a portal would show "InvalidPath" and
        // nothing of what to do. Over the whole enum, as for archive files, so a code added later cannot be left out.
        var message = UploadRejectionReason.Describe(code, BlobType.Block, contentLength: 2048, maxScanBytes: 1024);

        Assert.NotEqual(code.ToString(), message);
        Assert.EndsWith(".", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_too_large_names_its_size_and_the_limit()
    {
        var message = UploadRejectionReason.Describe(IntakeRejectionCode.TooLarge, BlobType.Block, contentLength: 2048, maxScanBytes: 1024);

        Assert.Equal("The uploaded file has 2048 bytes; the limit is 1024.", message);
    }
}
