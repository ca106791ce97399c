using Synomaly.Contracts;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// Chooses the preset from the caller's hint; else from the modality the model was trained for (its model card), so that
/// inference prepares slices exactly as training did; else from the modality the file states. The slice orientation is
/// the one the model card records; the brain and CT presets follow it, ultrasound frames are always taken as stored.
/// </summary>
public static class ModalityPresets
{
    public static IModalityPreset For(
        ModalityHint hint, Modality modality, int modelSize = 128, ModalityHint trainedFor = ModalityHint.Auto, SliceOrientation orientation = SliceOrientation.Display) =>
        (hint != ModalityHint.Auto ? hint : trainedFor) switch
        {
            ModalityHint.BrainMri => new BrainMriPreset { ModelSize = modelSize, Orientation = orientation },
            ModalityHint.LiverCt => new CtPreset { ModelSize = modelSize, Orientation = orientation },
            ModalityHint.CarotidUltrasound => new UltrasoundPreset { ModelSize = modelSize },
            _ => modality switch
            {
                Modality.CT => new CtPreset { ModelSize = modelSize, Orientation = orientation },
                Modality.US => new UltrasoundPreset { ModelSize = modelSize },
                _ => new BrainMriPreset { ModelSize = modelSize, Orientation = orientation },
            },
        };
}
