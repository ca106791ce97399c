using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>Turns a decoded scan into model inputs (ALGORITHM.md section 4) and knows how to map results back.</summary>
public interface IModalityPreset
{
    string Name { get; }

    /// <param name="cancellationToken">Checked before each slice: preparing a large volume takes seconds.</param>
    PreparedScan Prepare(Volume volume, CancellationToken cancellationToken = default);
}
