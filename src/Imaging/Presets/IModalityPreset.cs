using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>Turns a decoded scan into model inputs (ALGORITHM.md section 4) and knows how to map results back.</summary>
public interface IModalityPreset
{
    string Name { get; }

    /// <summary>
    /// The size (width x height) of the slices <see cref="Prepare"/> would cut from <paramref name="volume"/>, from its
    /// dimensions and geometry alone, without touching a voxel: the frames as stored unless the preset reorients the
    /// volume. Lets a size refusal come before the seconds and gigabytes a degenerate volume's preparation costs.
    /// </summary>
    (int Width, int Height) SliceSize(Volume volume) => (volume.Width, volume.Height);

    /// <param name="cancellationToken">Checked before each slice: preparing a large volume takes seconds.</param>
    PreparedScan Prepare(Volume volume, CancellationToken cancellationToken = default);
}
