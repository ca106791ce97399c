namespace Synomaly.Contracts;

/// <summary>
/// The deployment's secret key of archive scan ids (<see cref="BlobLayout.ArchiveScanId"/>): 32 random bytes, kept in the
/// scan-data account (Synomaly.Storage's ArchiveScanIdKeyStore) and never in settings or logs. Without it nobody can
/// compute an archive file's id from a guess at its name, so an id holds nothing of the name (which may name a patient).
/// The bytes stay inside this type: <see cref="ToString"/> does not show them, so a logged or formatted key leaks nothing.
/// </summary>
public sealed class ArchiveScanIdKey
{
    /// <summary>The key's length in bytes: HMAC-SHA256's block of 256 bits.</summary>
    public const int Length = 32;

    private readonly byte[] secret;

    private ArchiveScanIdKey(byte[] secret) => this.secret = secret;

    /// <summary>A key of the bytes of a key blob.</summary>
    /// <exception cref="ArgumentException">Not <see cref="Length"/> bytes.</exception>
    public static ArchiveScanIdKey FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length
            ? new ArchiveScanIdKey(bytes.ToArray())
            : throw new ArgumentException($"An archive scan id key has {Length} bytes, not {bytes.Length}.", nameof(bytes));

    /// <summary>The HMAC-SHA256 of <paramref name="data"/> under this key.</summary>
    internal byte[] Sign(ReadOnlySpan<byte> data) => System.Security.Cryptography.HMACSHA256.HashData(secret, data);

    public override string ToString() => "ArchiveScanIdKey (secret, not shown)";
}
