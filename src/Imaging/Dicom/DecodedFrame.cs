namespace Synomaly.Imaging.Dicom;

/// <summary>What the components of a decoded frame mean, which decides how they become one grey value per pixel.</summary>
internal enum FrameColor
{
    /// <summary>One stored value per pixel: monochrome (masked, rescaled, MONOCHROME1 inverted) or a palette index.</summary>
    Stored,

    /// <summary>Three components R, G, B: grey is their luminance.</summary>
    Rgb,

    /// <summary>Three components Y, Cb, Cr (full range): grey is Y.</summary>
    Ybr,

    /// <summary>One luminance value per pixel (for example the Y of YBR_FULL_422 read without its chroma).</summary>
    Luma,
}

/// <summary>
/// One frame after decompression: <see cref="Components"/> planes of <c>pixels</c> values each (planar: component c of
/// pixel p at c * pixels + p), holding stored values that are not yet masked to BitsStored.
/// </summary>
internal sealed record DecodedFrame(int[] Values, int Components, FrameColor Color);
