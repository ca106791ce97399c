using Synomaly.Contracts;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// Chooses the preset from the caller's hint; else from the modality the model was trained for (its model card), so that
/// inference prepares slices exactly as training did; else from the modality the file states.
/// </summary>
public static class ModalityPresets
{
    public static IModalityPreset For(ModalityHint hint, Modality modality, int modelSize = 128, ModalityHint trainedFor = ModalityHint.Auto) =>
        (hint != ModalityHint.Auto ? hint : trainedFor) switch
        {
            ModalityHint.BrainMri => new BrainMriPreset { ModelSize = modelSize },
            ModalityHint.LiverCt => new CtPreset { ModelSize = modelSize },
            ModalityHint.CarotidUltrasound => new UltrasoundPreset { ModelSize = modelSize },
            _ => modality switch
            {
                Modality.CT => new CtPreset { ModelSize = modelSize },
                Modality.US => new UltrasoundPreset { ModelSize = modelSize },
                _ => new BrainMriPreset { ModelSize = modelSize },
            },
        };
}
