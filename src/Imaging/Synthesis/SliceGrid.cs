using Synomaly.Contracts;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Synthesis;

/// <summary>
/// The world-space placement of a 2-D slice's pixel grid (RAS+ millimetres): pixel (column, row) sits at
/// x = OriginX + column * SpacingX and y = OriginY + (RowsUp ? row : Height - 1 - row) * SpacingY, at height Z.
/// Lets lesion masks from another grid be resampled onto a slice through the affines rather than by index.
/// </summary>
public sealed record SliceGrid(int Width, int Height, double OriginX, double OriginY, double SpacingX, double SpacingY, double Z, bool RowsUp = false)
{
    /// <summary>
    /// The IXI slices of the shared data: MNI152NLin2009cSym at 1 mm, 197x233, origin (-98, -134) mm; images are stored
    /// with anterior at the top (row 0 = largest y). The axial height is not recorded in the PNGs; shapes are taken from
    /// every axial level of the lesion map, so it only matters for documentation.
    /// </summary>
    public static SliceGrid Ixi(int width = 197, int height = 233) => CentredLikeIxi(width, height, 1, 1);

    /// <summary>
    /// The grid a validation slice is taken to lie on: centred where the IXI grid is (x 0, y −18 mm, MNI), with the
    /// slice's own pixel spacing when its file records one (NIfTI, DICOM), else 1 mm (PNG and JPEG record none; the IXI
    /// slices are 1 mm). Only the spacing decides a real shape's size in pixels; the synthesizer places, flips and turns it.
    /// </summary>
    public static SliceGrid For(Volume slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        bool recordsSpacing = slice.Provenance.Format is not (ScanFormat.Png or ScanFormat.Jpeg)
            && slice.Geometry.SpacingX > 0 && slice.Geometry.SpacingY > 0;
        return recordsSpacing
            ? CentredLikeIxi(slice.Width, slice.Height, slice.Geometry.SpacingX, slice.Geometry.SpacingY)
            : Ixi(slice.Width, slice.Height);
    }

    private static SliceGrid CentredLikeIxi(int width, int height, double spacingX, double spacingY) =>
        new(width, height, 0 - ((width - 1) * spacingX / 2), -18 - ((height - 1) * spacingY / 2), spacingX, spacingY, 0);

    public (double X, double Y) World(int column, int row) =>
        (OriginX + (column * SpacingX), OriginY + ((RowsUp ? row : Height - 1 - row) * SpacingY));
}
