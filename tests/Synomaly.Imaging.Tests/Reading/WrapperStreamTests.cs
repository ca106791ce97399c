using Synomaly.Imaging.Reading;

namespace Synomaly.Imaging.Tests.Reading;

public sealed class WrapperStreamTests
{
    private static byte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => (byte)i)];

    [Fact]
    public void A_prefixed_stream_replays_the_prefix_then_the_rest_and_counts_its_position()
    {
        var all = Bytes(10);
        using var stream = new PrefixedStream(all.AsMemory(0, 4), new MemoryStream(all[4..]));
        var read = new byte[10];
        Assert.Equal(3, stream.Read(read, 0, 3));
        Assert.Equal(3, stream.Position);
        stream.ReadExactly(read.AsSpan(3));
        Assert.Equal(all, read);
        Assert.Equal(10, stream.Position);
        Assert.Equal(0, stream.Read(read));
    }

    [Fact]
    public void A_byte_budget_stream_rejects_the_read_that_passes_the_budget()
    {
        using var stream = new ByteBudgetStream(new MemoryStream(Bytes(100)), budget: 64, "test payload");
        var buffer = new byte[32];
        stream.ReadExactly(buffer);
        stream.ReadExactly(buffer);
        var error = Assert.Throws<ScanRejectedException>(() => stream.Read(buffer));
        Assert.Equal(ScanRejectionCode.LimitExceeded, error.Code);
        Assert.Contains("test payload", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_closing_stream_seeks_through_and_leaves_its_inner_stream_open()
    {
        var inner = new MemoryStream(Bytes(8));
        using (var stream = new NonClosingStream(inner))
        {
            Assert.True(stream.CanSeek);
            stream.Position = 5;
            Assert.Equal(5, stream.ReadByte());
            Assert.Equal(8, stream.Length);
            Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
        }

        Assert.Equal(6, inner.Position);
        inner.Position = 0;
        Assert.Equal(0, inner.ReadByte());
    }

    [Fact]
    public void Owning_wrappers_dispose_their_inner_stream()
    {
        var inner = new MemoryStream(Bytes(4));
        new PrefixedStream(ReadOnlyMemory<byte>.Empty, inner).Dispose();
        Assert.Throws<ObjectDisposedException>(() => inner.ReadByte());
        Assert.Throws<NotSupportedException>(() => new ByteBudgetStream(new MemoryStream(), 1, "x").Seek(0, SeekOrigin.Begin));
    }
}
