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
    public static SliceGrid Ixi(int width = 197, int height = 233) => new(width, height, -98, -134, 1, 1, 0);

    public (double X, double Y) World(int column, int row) =>
        (OriginX + (column * SpacingX), OriginY + ((RowsUp ? row : Height - 1 - row) * SpacingY));
}
