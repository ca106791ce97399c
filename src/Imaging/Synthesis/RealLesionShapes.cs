using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Synthesis;

/// <summary>
/// Real lesion shapes: the axial cross-sections of a binary lesion map (for example a stroke lesion in MNI space),
/// resampled through the map's affine onto a target slice grid with nearest-neighbour sampling, one shape per axial level
/// whose cross-section is at least <c>minimumArea</c> pixels.
/// </summary>
public static class RealLesionShapes
{
    public static IReadOnlyList<BinaryShape> FromLesionMap(Volume lesionMap, SliceGrid grid, int minimumArea = 20)
    {
        ArgumentNullException.ThrowIfNull(lesionMap);
        ArgumentNullException.ThrowIfNull(grid);
        var inverse = AffineMath.Invert(lesionMap.Geometry.Affine);
        var shapes = new List<BinaryShape>();
        for (int k = 0; k < lesionMap.Depth; k++)
        {
            if (!SliceHasLesion(lesionMap, k))
            {
                continue;
            }

            // The world height of this axial level, taken at the volume's centre column.
            var centre = AffineMath.Apply(lesionMap.Geometry.Affine, lesionMap.Width / 2.0, lesionMap.Height / 2.0, k);
            var pixels = new bool[grid.Width * grid.Height];
            for (int row = 0; row < grid.Height; row++)
            {
                for (int column = 0; column < grid.Width; column++)
                {
                    var (x, y) = grid.World(column, row);
                    var (i, j, kk) = AffineMath.Apply(inverse, x, y, centre.Z);
                    int vi = (int)Math.Round(i), vj = (int)Math.Round(j), vk = (int)Math.Round(kk);
                    if (vi >= 0 && vj >= 0 && vk >= 0 && vi < lesionMap.Width && vj < lesionMap.Height && vk < lesionMap.Depth)
                    {
                        pixels[column + (grid.Width * row)] = lesionMap[vi, vj, vk] > 0.5f;
                    }
                }
            }

            var shape = new BinaryShape(pixels, grid.Width, grid.Height).Cropped();
            if (shape.Area >= minimumArea)
            {
                shapes.Add(shape);
            }
        }

        return shapes;
    }

    private static bool SliceHasLesion(Volume volume, int k)
    {
        foreach (var v in volume.Slice(k))
        {
            if (v > 0.5f)
            {
                return true;
            }
        }

        return false;
    }
}
