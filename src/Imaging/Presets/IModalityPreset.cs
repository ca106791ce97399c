using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>Turns a decoded scan into model inputs (ALGORITHM.md section 4) and knows how to map results back.</summary>
public interface IModalityPreset
{
    string Name { get; }

    PreparedScan Prepare(Volume volume);
}
