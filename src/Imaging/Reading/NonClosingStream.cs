namespace Synomaly.Imaging.Reading;

/// <summary>Forwards reads to a caller-owned stream and leaves it open when disposed (decoders wrap and dispose their inputs).</summary>
public sealed class NonClosingStream(Stream inner) : ReadOnlyWrapperStream(inner, leaveOpen: true)
{
    public override bool CanRead => Inner.CanRead;

    public override bool CanSeek => Inner.CanSeek;

    public override long Length => Inner.Length;

    public override long Position
    {
        get => Inner.Position;
        set => Inner.Position = value;
    }

    public override long Seek(long offset, SeekOrigin origin) => Inner.Seek(offset, origin);

    protected override int ReadCore(Span<byte> buffer) => Inner.Read(buffer);
}
