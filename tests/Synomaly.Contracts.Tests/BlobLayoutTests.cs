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
        Assert.True(BlobLayout.IsArchiveScanId(BlobLayout.ArchiveScanId("2024/Doe Jane.nii.gz", Key(1))));
        Assert.False(BlobLayout.IsArchiveScanId(Guid.NewGuid().ToString("D")));
        Assert.False(BlobLayout.IsArchiveScanId("a-" + new string('A', 32)));
        Assert.False(BlobLayout.IsArchiveScanId("a-" + new string('0', 31)));
        Assert.False(BlobLayout.IsArchiveScanId(null));
    }

    [Fact]
    public void An_archive_scan_id_depends_on_the_deployment_key_not_only_on_the_name()
    {
        const string name = "archive/2019/SMITH_JOHN_19700101.dcm";

        // One key, one id: a repeated run finds the same job records.
        Assert.Equal(BlobLayout.ArchiveScanId(name, Key(1)), BlobLayout.ArchiveScanId(name, Key(1)));
        // Another key, another id: without the key a guessed name cannot be checked against an id.
        Assert.NotEqual(BlobLayout.ArchiveScanId(name, Key(1)), BlobLayout.ArchiveScanId(name, Key(2)));
        // Nor is it the unkeyed hash of the name, which anyone can compute.
        var unkeyed = "a-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)), 0, 16);
        Assert.NotEqual(unkeyed, BlobLayout.ArchiveScanId(name, Key(1)));
    }

    [Fact]
    public void An_archive_scan_id_is_the_first_128_bits_of_the_names_hmac_sha256()
    {
        var key = Enumerable.Range(0, ArchiveScanIdKey.Length).Select(i => (byte)i).ToArray();
        var expected = System.Security.Cryptography.HMACSHA256.HashData(key, "2024/Doe Jane.nii.gz"u8);

        Assert.Equal("a-" + Convert.ToHexStringLower(expected, 0, 16), BlobLayout.ArchiveScanId("2024/Doe Jane.nii.gz", ArchiveScanIdKey.FromBytes(key)));
    }

    [Fact]
    public void A_key_has_32_bytes_and_never_shows_them()
    {
        var bytes = Enumerable.Repeat((byte)0xAB, ArchiveScanIdKey.Length).ToArray();

        Assert.Throws<ArgumentException>(() => ArchiveScanIdKey.FromBytes(bytes.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => ArchiveScanIdKey.FromBytes(new byte[ArchiveScanIdKey.Length + 1]));
        var shown = $"{ArchiveScanIdKey.FromBytes(bytes)}";
        Assert.DoesNotContain("ab", shown, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(bytes), shown, StringComparison.Ordinal);
    }

    private static ArchiveScanIdKey Key(byte fill) => ArchiveScanIdKey.FromBytes(Enumerable.Repeat(fill, ArchiveScanIdKey.Length).ToArray());
}
