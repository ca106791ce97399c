using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Siemens stores fMRI, DWI and other 2-D multi-slice acquisitions as one "mosaic" image (ImageType MOSAIC): n slices
/// tiled row-major in a grid of ceil(sqrt(n)) tiles per side. This cuts them back into slices, as neuroimaging readers
/// (dcm2niix) do. The slice count comes from the Siemens MR header (0019,xx0A) or the CSA image header; the position is
/// corrected from the mosaic's corner to the first tile's corner, and slices follow the CSA SliceNormalVector (the
/// row x column normal where it is absent).
/// </summary>
internal static class SiemensMosaic
{
    public static DecodedDicom Unpack(DicomDataset ds, DecodedDicom decoded, ScanReadLimits limits)
    {
        var pixels = decoded.Pixels;
        if (pixels.Frames != 1 || !ds.GetStrings(DicomTag.ImageType).Contains("MOSAIC", StringComparer.OrdinalIgnoreCase))
        {
            return decoded;
        }

        var csa = ReadCsa(ds);
        int? count = PrivateUInt16(ds, 0x0019, "SIEMENS MR HEADER", 0x0A)
            ?? (csa.TryGetValue("NumberOfImagesInMosaic", out var n) && n.Length > 0 && int.TryParse(n[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) ? parsed : null);
        if (count is not > 1)
        {
            return decoded with { Notes = [.. decoded.Notes, "MOSAIC image without a slice count: read as one slice"] };
        }

        if (count > limits.MaxSlices)
        {
            throw DicomRejections.Limit(string.Create(CultureInfo.InvariantCulture, $"a mosaic of {count} slices exceeds the limit of {limits.MaxSlices}"));
        }

        int across = (int)Math.Ceiling(Math.Sqrt(count.Value));
        if (pixels.Columns % across != 0 || pixels.Rows % across != 0)
        {
            throw DicomRejections.Malformed(string.Create(CultureInfo.InvariantCulture, $"a {pixels.Columns}x{pixels.Rows} mosaic cannot hold {count} tiles of equal size"));
        }

        int tileWidth = pixels.Columns / across;
        int tileHeight = pixels.Rows / across;
        var voxels = new float[(long)tileWidth * tileHeight * count.Value];
        for (int k = 0; k < count.Value; k++)
        {
            int left = (k % across) * tileWidth;
            int top = (k / across) * tileHeight;
            for (int y = 0; y < tileHeight; y++)
            {
                decoded.Voxels.AsSpan(((top + y) * pixels.Columns) + left, tileWidth)
                    .CopyTo(voxels.AsSpan((k * tileWidth * tileHeight) + (y * tileWidth), tileWidth));
            }
        }

        var frames = SliceFrames(decoded.Frames[0], csa, count.Value, pixels.Columns - tileWidth, pixels.Rows - tileHeight);
        return decoded with
        {
            Voxels = voxels,
            // Mosaics are monochrome MR: no colour channel to unpack with the tiles.
            BlueChannel = null,
            Pixels = pixels with { Rows = tileHeight, Columns = tileWidth, Frames = count.Value },
            Frames = frames,
            Notes = [.. decoded.Notes, string.Create(CultureInfo.InvariantCulture, $"Siemens mosaic of {count} slices unpacked")],
        };
    }

    private static SliceGeometry[] SliceFrames(SliceGeometry mosaic, Dictionary<string, string[]> csa, int count, int extraColumns, int extraRows)
    {
        var frames = new SliceGeometry[count];
        if (mosaic.Position is not { } position || mosaic.Orientation is not { } orientation)
        {
            Array.Fill(frames, mosaic with { Position = null });
            return frames;
        }

        // The stored position is the mosaic's top-left corner; the first tile's corner sits half the extra size inward.
        double[] first = new double[3];
        for (int a = 0; a < 3; a++)
        {
            first[a] = position[a]
                + (orientation[a] * mosaic.SpacingX * extraColumns / 2)
                + (orientation[3 + a] * mosaic.SpacingY * extraRows / 2);
        }

        var normal = mosaic.Normal!;
        if (csa.TryGetValue("SliceNormalVector", out var csaNormal) && csaNormal.Length == 3
            && csaNormal.Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN).ToArray() is var vector
            && vector.All(double.IsFinite) && Vector3.Dot(vector, normal) < 0)
        {
            normal = [-normal[0], -normal[1], -normal[2]];
        }

        double spacing = mosaic.SpacingBetweenSlices is > 0 ? mosaic.SpacingBetweenSlices.Value : mosaic.Thickness is > 0 ? mosaic.Thickness.Value : 1;
        for (int k = 0; k < count; k++)
        {
            frames[k] = mosaic with { Position = [first[0] + (normal[0] * spacing * k), first[1] + (normal[1] * spacing * k), first[2] + (normal[2] * spacing * k)] };
        }

        return frames;
    }

    private static Dictionary<string, string[]> ReadCsa(DicomDataset ds)
    {
        var creator = PrivateBlock(ds, 0x0029, "SIEMENS CSA HEADER");
        var element = creator is { } block ? ds.Get(new DicomTag(0x0029, (ushort)((block << 8) | 0x10))) : null;
        return element is null ? [] : SiemensCsaHeader.Read(element.Value.Span);
    }

    private static int? PrivateUInt16(DicomDataset ds, ushort group, string creator, byte offset) =>
        PrivateBlock(ds, group, creator) is { } block ? ds.GetUInt16(new DicomTag(group, (ushort)((block << 8) | offset))) : null;

    /// <summary>The private block (0x10..0xFF) reserved by a private creator string, per PS3.5 7.8.1.</summary>
    private static int? PrivateBlock(DicomDataset ds, ushort group, string creator)
    {
        for (int block = 0x10; block <= 0xFF; block++)
        {
            if (string.Equals(ds.GetString(new DicomTag(group, (ushort)block)), creator, StringComparison.Ordinal))
            {
                return block;
            }
        }

        return null;
    }
}
