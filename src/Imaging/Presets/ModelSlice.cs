namespace Synomaly.Imaging.Presets;

/// <summary>
/// One model input: a slice of the source volume cropped, resampled to the model size and scaled to [-1, 1], with what is
/// needed to map results back onto the source grid.
/// </summary>
/// <param name="SourceSlice">
/// The z index in the volume the slice was cut from (<see cref="PreparedScan.Analysed"/>: the source, or the source
/// reoriented to axial slices).
/// </param>
/// <param name="Crop">The region of the slice image (laid out as <paramref name="Layout"/> says) that was resampled.</param>
/// <param name="Layout">
/// How the slice image lies over its volume slice: rows flipped to show anterior at the top and columns to show the
/// patient's right on the right, or transposed.
/// </param>
/// <param name="Pixels">Size x size values in [-1, 1], row-major.</param>
/// <param name="Foreground">Size x size mask of the imaged object (brain, body, sector), for restricting anomaly maps.</param>
public sealed record ModelSlice(int SourceSlice, PixelRect Crop, SliceLayout Layout, float[] Pixels, bool[] Foreground);
