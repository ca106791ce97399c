namespace Synomaly.Imaging.Presets;

/// <summary>
/// How a z slice of a volume is laid out as the 2-D image a model sees. A model only recognises anatomy in the layout it
/// was trained on, so the model card records it (preprocessing.slice_orientation) and the presets follow the card.
/// </summary>
public enum SliceOrientation
{
    /// <summary>
    /// This project's layout: rows are the volume's y index, columns its x, rows reversed when that puts anterior at the
    /// top and columns reversed when that puts the patient's right on the right, as in the IXI training slices (so DICOM
    /// and LAS NIfTI reach the model as RAS NIfTI does). Models trained by <c>synomaly train</c> use it (training reads
    /// slices through the same presets).
    /// </summary>
    Display = 0,

    /// <summary>
    /// The authors' layout (ALGORITHM.md 4.2, 4.3): nibabel's <c>data[:, :, z]</c>, so rows are the volume's x index and
    /// columns its y, with no flip or rotation. Their checkpoints were trained on it.
    /// </summary>
    ReferenceArray,
}
