using System.Buffers.Binary;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// The entry count a zip declares in its end-of-central-directory record (zip64 too), read before .NET's ZipArchive
/// builds an object for every entry: a small archive of millions of empty entries would otherwise exhaust memory before
/// the file-count limit is checked.
/// </summary>
internal static class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const int EndLength = 22;
    private const int MaxCommentLength = ushort.MaxValue;

    /// <summary>The declared number of entries, or null when the archive has no readable end record (ZipArchive then refuses it).</summary>
    public static long? DeclaredEntries(ReadOnlySpan<byte> archive)
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
            return zip64 && Zip64Entries(archive, at) is { } large ? Math.Max(large, entries) : entries;
        }

        return null;
    }

    private static long? Zip64Entries(ReadOnlySpan<byte> archive, int endAt)
    {
        int locatorAt = endAt - 20;
        if (locatorAt < 0 || BinaryPrimitives.ReadUInt32LittleEndian(archive[locatorAt..]) != Zip64LocatorSignature)
        {
            return null;
        }

        ulong recordAt = BinaryPrimitives.ReadUInt64LittleEndian(archive[(locatorAt + 8)..]);
        if (archive.Length < 56 || recordAt > (ulong)(archive.Length - 56) || BinaryPrimitives.ReadUInt32LittleEndian(archive[(int)recordAt..]) != Zip64EndSignature)
        {
            return null;
        }

        ulong total = BinaryPrimitives.ReadUInt64LittleEndian(archive[((int)recordAt + 32)..]);
        return total > long.MaxValue ? long.MaxValue : (long)total;
    }
}
