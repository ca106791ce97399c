namespace Synomaly.Imaging.Volumes;

/// <summary>
/// A volume seen with its array axes in another order: the same voxels, none resampled or changed, with the geometry
/// rewritten so that each keeps its place in patient space. <see cref="Volume"/> is the reordered copy (the source
/// itself when nothing moves, or a copy sharing its voxels when only report notes are added), and values computed on it go back onto the source's grid through <see cref="ToSource{T}"/>.
/// </summary>
public sealed class ReorientedVolume
{
    /// <summary>For each array axis of <see cref="Volume"/>, the axis of <see cref="Source"/> it runs along.</summary>
    private readonly int[] sourceAxes;

    private ReorientedVolume(Volume source, int[] sourceAxes, Volume volume)
    {
        Source = source;
        this.sourceAxes = sourceAxes;
        Volume = volume;
    }

    /// <summary>The volume as it was read.</summary>
    public Volume Source { get; }

    /// <summary>The reordered volume: x-fastest over its own axes, with its own spacing and affine.</summary>
    public Volume Volume { get; }

    /// <summary>Whether any axis moved; when none did, <see cref="Volume"/> holds <see cref="Source"/>'s voxels in their order (it is the source unless notes were added).</summary>
    public bool IsReoriented => sourceAxes is not [0, 1, 2];

    /// <summary>The source as stored: nothing moves and nothing is copied.</summary>
    public static ReorientedVolume AsStored(Volume source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ReorientedVolume(source, [0, 1, 2], source);
    }

    /// <summary>
    /// <paramref name="source"/> with array axis a running along its axis <paramref name="sourceAxes"/>[a].
    /// <paramref name="reportNotes"/> say what was done, or what the analysis must be read with, in fixed wording (no
    /// text from the file); the reordered volume's provenance carries them among its report notes, so that the report
    /// says the input was not analysed as stored. Where no axis moves but there are notes, <see cref="Volume"/> is a copy
    /// that shares the source's voxels and only adds the notes.
    /// </summary>
    /// <param name="cancellationToken">Checked before each slice of the reordered copy, which for a large volume takes seconds.</param>
    public static ReorientedVolume Permuted(Volume source, IReadOnlyList<int> sourceAxes, IReadOnlyList<string> reportNotes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sourceAxes);
        ArgumentNullException.ThrowIfNull(reportNotes);
        if (sourceAxes.Count != 3 || !sourceAxes.Order().SequenceEqual([0, 1, 2]))
        {
            throw new ArgumentException($"Expected a permutation of the axes 0, 1, 2; got {string.Join(", ", sourceAxes)}.", nameof(sourceAxes));
        }

        if (reportNotes.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("A report note must say something.", nameof(reportNotes));
        }

        int[] axes = [.. sourceAxes];
        if (axes is [0, 1, 2])
        {
            return reportNotes.Count == 0 ? AsStored(source) : new ReorientedVolume(source, axes, Noted(source, reportNotes));
        }

        if (reportNotes.Count == 0)
        {
            throw new ArgumentException("A volume whose axes move needs a report note saying so.", nameof(reportNotes));
        }

        return new ReorientedVolume(source, axes, Reorder(source, axes, reportNotes, cancellationToken));
    }

    /// <summary>Values laid out on <see cref="Volume"/>'s grid (a map, a mask) put back onto the source's grid.</summary>
    public T[] ToSource<T>(ReadOnlySpan<T> values)
    {
        RequireVoxelCount(values.Length, nameof(values));
        var result = new T[values.Length];
        var (width, height, depth) = (Volume.Width, Volume.Height, Volume.Depth);
        var (step0, step1, step2) = SourceSteps(Source, sourceAxes);
        int reoriented = 0;
        for (int z = 0; z < depth; z++)
        {
            for (int y = 0; y < height; y++)
            {
                int row = (z * step2) + (y * step1);
                for (int x = 0; x < width; x++)
                {
                    result[row + (x * step0)] = values[reoriented++];
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Slice <paramref name="z"/> of <see cref="Volume"/> taken from values on the source's grid (a mask drawn on the
    /// input), row-major, without reordering the rest of them.
    /// </summary>
    public T[] Slice<T>(ReadOnlySpan<T> sourceValues, int z)
    {
        RequireVoxelCount(sourceValues.Length, nameof(sourceValues));
        ArgumentOutOfRangeException.ThrowIfNegative(z);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(z, Volume.Depth);
        if (!IsReoriented)
        {
            return sourceValues.Slice(z * Source.SliceLength, Source.SliceLength).ToArray();
        }

        var (step0, step1, step2) = SourceSteps(Source, sourceAxes);
        var slice = new T[Volume.SliceLength];
        int i = 0;
        for (int y = 0; y < Volume.Height; y++)
        {
            int row = (z * step2) + (y * step1);
            for (int x = 0; x < Volume.Width; x++)
            {
                slice[i++] = sourceValues[row + (x * step0)];
            }
        }

        return slice;
    }

    /// <summary>The source itself (its voxels and header shared, nothing copied) with <paramref name="reportNotes"/> added.</summary>
    private static Volume Noted(Volume source, IReadOnlyList<string> reportNotes) =>
        new(source.Voxels, source.Width, source.Height, source.Depth, source.Geometry, source.Modality, WithNotes(source.Provenance, reportNotes))
        {
            BlueChannel = source.BlueChannel,
        };

    private static VolumeProvenance WithNotes(VolumeProvenance provenance, IReadOnlyList<string> reportNotes) => provenance with
    {
        Notes = [.. provenance.Notes, .. reportNotes],
        ReportNotes = [.. provenance.ReportNotes, .. reportNotes],
    };

    private static Volume Reorder(Volume source, int[] sourceAxes, IReadOnlyList<string> reportNotes, CancellationToken cancellationToken)
    {
        int[] size = [source.Width, source.Height, source.Depth];
        double[] spacing = [source.Geometry.SpacingX, source.Geometry.SpacingY, source.Geometry.SpacingZ];
        var m = source.Geometry.Affine;
        var affine = (double[])m.Clone();
        for (int row = 0; row < 3; row++)
        {
            for (int axis = 0; axis < 3; axis++)
            {
                affine[(4 * row) + axis] = m[(4 * row) + sourceAxes[axis]];
            }
        }

        var geometry = new VolumeGeometry(spacing[sourceAxes[0]], spacing[sourceAxes[1]], spacing[sourceAxes[2]], affine);
        // The source header describes the stored axes, not these: anything written from this volume takes its affine.
        var provenance = WithNotes(source.Provenance, reportNotes) with { NiftiHeader = null };
        return new Volume(Reordered(source, sourceAxes, source.Voxels, cancellationToken), size[sourceAxes[0]], size[sourceAxes[1]], size[sourceAxes[2]], geometry, source.Modality, provenance)
        {
            BlueChannel = source.BlueChannel is { } blue ? Reordered(source, sourceAxes, blue, cancellationToken) : null,
        };
    }

    /// <summary>The source's values (on its grid) in the reordered volume's order.</summary>
    private static float[] Reordered(Volume source, int[] sourceAxes, float[] values, CancellationToken cancellationToken)
    {
        int[] size = [source.Width, source.Height, source.Depth];
        int width = size[sourceAxes[0]], height = size[sourceAxes[1]], depth = size[sourceAxes[2]];
        var (step0, step1, step2) = SourceSteps(source, sourceAxes);
        var result = new float[values.Length];
        int reoriented = 0;
        for (int z = 0; z < depth; z++)
        {
            // Per slice: the strided reads make a 512x512x1000 volume's copy take seconds, which a shutdown deadline or
            // Ctrl-C must not wait for.
            cancellationToken.ThrowIfCancellationRequested();
            for (int y = 0; y < height; y++)
            {
                int row = (z * step2) + (y * step1);
                for (int x = 0; x < width; x++)
                {
                    result[reoriented++] = values[row + (x * step0)];
                }
            }
        }

        return result;
    }

    /// <summary>How far one step along each reordered axis moves in the source's voxel array (x-fastest).</summary>
    private static (int Step0, int Step1, int Step2) SourceSteps(Volume source, int[] sourceAxes)
    {
        int[] steps = [1, source.Width, source.SliceLength];
        return (steps[sourceAxes[0]], steps[sourceAxes[1]], steps[sourceAxes[2]]);
    }

    private void RequireVoxelCount(int count, string name)
    {
        if (count != Source.Voxels.Length)
        {
            throw new ArgumentException($"Expected {Source.Voxels.Length} values (the source grid's voxels), got {count}.", name);
        }
    }
}
