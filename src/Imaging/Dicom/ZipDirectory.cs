using System.Buffers.Binary;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// How many entries a zip holds, counted before .NET's ZipArchive builds an object for every entry: a small archive of
/// millions of empty entries would otherwise exhaust memory before the file-count limit is checked. The count the
/// end-of-central-directory record declares (zip64 too) is not enough on its own: ZipArchive reads central-directory
/// records from the declared offset for as long as their signature continues, whatever count and size the end record
/// declares, and only then finds that the count does not match. So the records are counted the same way.
/// </summary>
internal static class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const int EndLength = 22;
    private const int Zip64EndLength = 56;
    private const int CentralHeaderLength = 46;
    private const int MaxCommentLength = ushort.MaxValue;

    /// <summary>
    /// The number of entries ZipArchive would build, or a number above <paramref name="limit"/> as soon as it is clear
    /// there are more: the larger of the declared count and the central-directory records found walking from the declared
    /// offset (the walk stops once past the limit, so a hostile directory costs no more than the limit). Null when the
    /// archive has no readable end record (ZipArchive then refuses it).
    /// </summary>
    public static long? Entries(ReadOnlySpan<byte> archive, long limit)
    {
        if (FindEnd(archive) is not { } end)
        {
            return null;
        }

        // With a zip64 record both offsets are walked: which one ZipArchive takes depends on the masked fields, and a count
        // past the limit from either is reason enough to refuse.
        long found = Math.Max(RecordsFrom(archive, end.DirectoryAt, limit), end.Zip64DirectoryAt is { } zip64At ? RecordsFrom(archive, zip64At, limit) : 0);
        return Math.Max(end.Declared, found);
    }

    /// <param name="Declared">The entry count of the end record, or the larger zip64 one where ZipArchive would read it.</param>
    /// <param name="DirectoryAt">The central directory's offset in the end record.</param>
    /// <param name="Zip64DirectoryAt">The offset in the zip64 end record, where ZipArchive would read one.</param>
    private sealed record EndRecord(long Declared, long DirectoryAt, long? Zip64DirectoryAt);

    private static EndRecord? FindEnd(ReadOnlySpan<byte> archive)
    {
        for (int at = archive.Length - EndLength; at >= 0 && at >= archive.Length - EndLength - MaxCommentLength; at--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(archive[at..]) != EndSignature)
            {
                continue;
            }

            ushort disk = BinaryPrimitives.ReadUInt16LittleEndian(archive[(at + 4)..]);
            ushort entries = BinaryPrimitives.ReadUInt16LittleEndian(archive[(at + 10)..]);
            uint directoryAt = BinaryPrimitives.ReadUInt32LittleEndian(archive[(at + 16)..]);
            // ZipArchive turns to the zip64 record when any of these is masked, not only the count, so this reads it then too
            // and takes the larger count: an archive cannot declare few entries here and millions there.
            bool zip64 = disk == ushort.MaxValue || entries == ushort.MaxValue || directoryAt == uint.MaxValue;
            if (zip64 && Zip64End(archive, at) is { } large)
            {
                return new EndRecord(Math.Max(large.Entries, entries), directoryAt, large.DirectoryAt);
            }

            return new EndRecord(entries, directoryAt, null);
        }

        return null;
    }

    private static (long Entries, long DirectoryAt)? Zip64End(ReadOnlySpan<byte> archive, int endAt)
    {
        int locatorAt = endAt - 20;
        if (locatorAt < 0 || BinaryPrimitives.ReadUInt32LittleEndian(archive[locatorAt..]) != Zip64LocatorSignature)
        {
            return null;
        }

        ulong recordAt = BinaryPrimitives.ReadUInt64LittleEndian(archive[(locatorAt + 8)..]);
        if (archive.Length < Zip64EndLength || recordAt > (ulong)(archive.Length - Zip64EndLength)
            || BinaryPrimitives.ReadUInt32LittleEndian(archive[(int)recordAt..]) != Zip64EndSignature)
        {
            return null;
        }

        var record = archive[(int)recordAt..];
        return (Saturated(BinaryPrimitives.ReadUInt64LittleEndian(record[32..])), Saturated(BinaryPrimitives.ReadUInt64LittleEndian(record[48..])));
    }

    /// <summary>Central-directory records back to back from <paramref name="at"/>, counted until one past <paramref name="limit"/>.</summary>
    private static long RecordsFrom(ReadOnlySpan<byte> archive, long at, long limit)
    {
        long count = 0;
        while (count <= limit && at <= archive.Length - CentralHeaderLength
            && BinaryPrimitives.ReadUInt32LittleEndian(archive[(int)at..]) == CentralHeaderSignature)
        {
            var header = archive[(int)at..];
            at += CentralHeaderLength + BinaryPrimitives.ReadUInt16LittleEndian(header[28..])
                + BinaryPrimitives.ReadUInt16LittleEndian(header[30..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            count++;
        }

        return count;
    }

    private static long Saturated(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;
}
