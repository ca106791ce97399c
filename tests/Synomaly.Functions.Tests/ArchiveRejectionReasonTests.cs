using Azure.Storage.Blobs.Models;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Intake;

namespace Synomaly.Functions.Tests;

/// <summary>The error message a reprocessing run records for an archive file it did not publish.</summary>
public sealed class ArchiveRejectionReasonTests
{
    private static readonly BlobItemProperties Properties = BlobsModelFactory.BlobItemProperties(false, contentLength: 2048, blobType: BlobType.Block);

    public static TheoryData<IntakeRejectionCode> EveryCode => [.. Enum.GetValues<IntakeRejectionCode>()];

    [Theory]
    [MemberData(nameof(EveryCode))]
    public void Every_rejection_code_has_wording_of_its_own_not_the_bare_code(IntakeRejectionCode code)
    {
        // UnknownModality (added later) fell through to the code's name: an operator read "UnknownModality" and nothing of
        // what to do about the file. Over the whole enum, so a code added later cannot be left out again.
        var message = ArchiveRejectionReason.Describe(code, Properties, maxScanBytes: 1024);

        Assert.NotEqual(code.ToString(), message);
        Assert.EndsWith(".", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_modality_names_the_metadata_key_and_the_names_it_takes()
    {
        var message = ArchiveRejectionReason.Describe(IntakeRejectionCode.UnknownModality, Properties, maxScanBytes: 1024);

        Assert.Contains("'modality'", message, StringComparison.Ordinal);
        Assert.Contains(Contracts.ModalityNames.BrainMri, message, StringComparison.Ordinal);
    }
}
