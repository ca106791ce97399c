using Synomaly.Contracts;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// Chooses the preset from the caller's hint; else from the modality the model was trained for (its model card), so that
/// inference prepares slices exactly as training did; else from the modality the file states. The slice orientation is
/// the one the model card records; the brain and CT presets follow it, ultrasound frames are always taken as stored.
/// A model that records its modality only takes scans of that modality: a hint or a file that names another is rejected
/// (<see cref="ScanRejectionCode.ModalityMismatch"/>), since its map would be confident nonsense. The worker and the CLI
/// both choose here, so neither holds a copy of the rule.
/// </summary>
public static class ModalityPresets
{
    public static IModalityPreset For(
        ModalityHint hint, Modality modality, int modelSize = 128, ModalityHint trainedFor = ModalityHint.Auto, SliceOrientation orientation = SliceOrientation.Display)
    {
        RequireTrainedModality(hint, modality, trainedFor);
        return (hint != ModalityHint.Auto ? hint : trainedFor) switch
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

    /// <summary>
    /// The modality a file states, as the model modality it belongs to: DICOM MR, CT and US. Files that state none (NIfTI,
    /// PNG, JPEG, DICOM OT or SC) give <see cref="ModalityHint.Auto"/> and take whatever the model was trained for.
    /// </summary>
    public static ModalityHint Stated(Modality modality) => modality switch
    {
        Modality.MR => ModalityHint.BrainMri,
        Modality.CT => ModalityHint.LiverCt,
        Modality.US => ModalityHint.CarotidUltrasound,
        _ => ModalityHint.Auto,
    };

    private static void RequireTrainedModality(ModalityHint hint, Modality modality, ModalityHint trainedFor)
    {
        if (trainedFor == ModalityHint.Auto)
        {
            // A card that records no modality says nothing to check against.
            return;
        }

        string trained = ModalityNames.Of(trainedFor);
        if (hint != ModalityHint.Auto && hint != trainedFor)
        {
            throw new ScanRejectedException(ScanRejectionCode.ModalityMismatch, $"The request names modality {ModalityNames.Of(hint)}, but the model was trained for {trained}.");
        }

        var stated = Stated(modality);
        if (stated != ModalityHint.Auto && stated != trainedFor)
        {
            throw new ScanRejectedException(ScanRejectionCode.ModalityMismatch, $"The scan states modality {modality} ({ModalityNames.Of(stated)}), but the model was trained for {trained}.");
        }
    }
}
