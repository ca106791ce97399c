namespace Synomaly.Contracts;

/// <summary>What the caller says the scan is; <see cref="Auto"/> lets the worker decide from the file's own metadata.</summary>
public enum ModalityHint
{
    Auto = 0,
    BrainMri,
    LiverCt,
    CarotidUltrasound,
}
