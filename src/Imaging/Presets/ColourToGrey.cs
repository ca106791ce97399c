namespace Synomaly.Imaging.Presets;

/// <summary>How a preset turns a colour frame (red, green and blue, or YCbCr) into the grey values it prepares.</summary>
public enum ColourToGrey
{
    /// <summary>
    /// As the carotid-ultrasound reference reads its frames: the first channel of cv2.imread, which is blue in OpenCV's
    /// BGR order (ALGORITHM.md 4.4). Grey pixels are unchanged; coloured ones (Doppler overlays, annotations) differ.
    /// </summary>
    Reference,

    /// <summary>BT.601 luminance (0.299 R + 0.587 G + 0.114 B), as the reader stores every colour image.</summary>
    Luminance,
}
