using System.Text.RegularExpressions;

namespace Synomaly.Contracts.Tests;

public sealed class BlobLayoutTests
{
    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData("demo-v7", true)]
    [InlineData("a_b", true)]
    [InlineData("...", true)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("v1/2", false)]
    [InlineData("v 1", false)]
    [InlineData("v1\n", false)]
    [InlineData("vé", false)]
    public void A_model_version_is_checked_by_its_one_rule_everywhere(string? version, bool valid)
    {
        Assert.Equal(valid, BlobLayout.IsValidModelVersion(version));
        // Options validation reads the same pattern, as a whole-string match.
        Assert.Equal(valid, version is not null && Regex.Match(version, BlobLayout.ModelVersionPattern) is { Success: true } m && m.Length == version.Length);
    }

    [Fact]
    public void A_model_version_holds_at_most_64_characters()
    {
        Assert.True(BlobLayout.IsValidModelVersion(new string('a', 64)));
        Assert.False(BlobLayout.IsValidModelVersion(new string('a', 65)));
    }

    [Fact]
    public void Archive_scan_ids_are_told_from_upload_ids_by_their_form()
    {
        Assert.True(BlobLayout.IsArchiveScanId(BlobLayout.ArchiveScanId("2024/Doe Jane.nii.gz")));
        Assert.False(BlobLayout.IsArchiveScanId(Guid.NewGuid().ToString("D")));
        Assert.False(BlobLayout.IsArchiveScanId("a-" + new string('A', 32)));
        Assert.False(BlobLayout.IsArchiveScanId("a-" + new string('0', 31)));
        Assert.False(BlobLayout.IsArchiveScanId(null));
    }
}
