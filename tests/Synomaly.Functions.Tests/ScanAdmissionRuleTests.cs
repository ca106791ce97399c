using Azure.Storage.Blobs.Models;
using Synomaly.Functions.Services.Intake;

namespace Synomaly.Functions.Tests;

/// <summary>The one rule intake and bulk reprocessing judge a stored scan file by, from its properties alone.</summary>
public sealed class ScanAdmissionRuleTests
{
    private const long Limit = 1000;

    private static readonly ScanAdmissionRule Rule = new(Limit);

    public static TheoryData<BlobType?, string?, long?, IntakeRejectionCode?> Cases => new()
    {
        { BlobType.Block, "Hot", 1, null },
        { BlobType.Block, "Cool", Limit, null },
        { BlobType.Block, null, 1, null },
        { BlobType.Block, "Archive", 1, IntakeRejectionCode.Archived },
        { BlobType.Append, "Hot", 1, IntakeRejectionCode.UnsupportedBlobType },
        { BlobType.Page, null, 512, IntakeRejectionCode.UnsupportedBlobType },
        { null, "Hot", 1, IntakeRejectionCode.UnsupportedBlobType },
        { BlobType.Block, "Hot", 0, IntakeRejectionCode.Empty },
        { BlobType.Block, "Hot", null, IntakeRejectionCode.Empty },
        { BlobType.Block, "Hot", Limit + 1, IntakeRejectionCode.TooLarge },
        // Whether it can be read at all comes first: an archived file of any size is Archived.
        { BlobType.Block, "Archive", 0, IntakeRejectionCode.Archived },
        { BlobType.Page, "Archive", Limit + 1, IntakeRejectionCode.UnsupportedBlobType },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_file_is_refused_with_the_intake_code_of_the_first_rule_it_breaks(BlobType? type, string? tier, long? length, IntakeRejectionCode? expected)
    {
        var accessTier = tier is null ? default(AccessTier?) : new AccessTier(tier);

        Assert.Equal(expected, Rule.Check(type, accessTier, length));
    }

    [Fact]
    public void A_listed_file_written_with_a_customer_provided_key_is_refused_before_anything_else()
    {
        static BlobItemProperties Listed(string? keySha256, BlobType type) =>
            BlobsModelFactory.BlobItemProperties(accessTierInferred: false, blobType: type, contentLength: 1, accessTier: AccessTier.Hot, customerProvidedKeySha256: keySha256);

        Assert.Equal(IntakeRejectionCode.EncryptedWithCustomerProvidedKey, Rule.Check(Listed(CustomerKeyEncryptedBlob.KeySha256, BlobType.Block)));
        // Intake cannot read such a file's type either: the same code whatever it is.
        Assert.Equal(IntakeRejectionCode.EncryptedWithCustomerProvidedKey, Rule.Check(Listed(CustomerKeyEncryptedBlob.KeySha256, BlobType.Page)));
        Assert.Null(Rule.Check(Listed(null, BlobType.Block)));
    }
}
