using Synomaly.Cli.Reliability;
using Synomaly.Imaging;
using Synomaly.Imaging.Reading;

namespace Synomaly.Cli.Tests;

/// <summary>The corpus's files are what they claim: the scan reader rejects each worker-side one with its expected code.</summary>
public sealed class BadInputCorpusTests
{
    [Theory]
    [InlineData("truncated")]
    [InlineData("decompression-bomb")]
    [InlineData("jpeg2000")]
    [InlineData("structured-report")]
    [InlineData("wrong-magic")]
    public void The_reader_rejects_each_file_with_its_expected_code(string name)
    {
        var input = BadInputCorpus.Create().Single(b => b.Name == name);
        using var stream = new MemoryStream(input.Content);
        var rejected = Assert.Throws<ScanRejectedException>(() => ScanReader.Read(stream));
        Assert.Equal(input.ExpectedCode, rejected.Code.ToString());
    }

    [Fact]
    public void The_decompression_bomb_is_small_on_disk_and_the_oversize_file_just_over_the_limit()
    {
        var corpus = BadInputCorpus.Create();
        Assert.True(corpus.Single(b => b.Name == "decompression-bomb").Content.Length < 1024 * 1024);
        Assert.InRange(corpus.Single(b => b.Name == "oversize").Content.LongLength, BadInputCorpus.OversizeLimitBytes + 1, BadInputCorpus.OversizeLimitBytes + 4096);
        Assert.Empty(corpus.Single(b => b.Name == "zero-byte").Content);
    }

    [Fact]
    public void The_untruncated_mr_image_reads_as_one_slice()
    {
        using var stream = new MemoryStream(BadInputCorpus.MrImage(64, 64));
        var volume = ScanReader.Read(stream);
        Assert.Equal(1, volume.Depth);
    }
}
