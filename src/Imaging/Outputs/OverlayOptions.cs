namespace Synomaly.Imaging.Outputs;

/// <summary>How a heatmap overlay is drawn.</summary>
public sealed record OverlayOptions
{
    public Colormap Colormap { get; init; } = Colormap.Inferno;

    /// <summary>The map value shown at full colour and opacity; null uses the map's own maximum (at least a tiny epsilon).</summary>
    public float? ScaleMax { get; init; }

    /// <summary>Opacity at <see cref="ScaleMax"/>; opacity grows linearly from 0 at map value 0, so background shows through.</summary>
    public float MaxAlpha { get; init; } = 0.7f;

    /// <summary>Grey window (low, high) for the underlying image; null stretches the image's own range.</summary>
    public (float Low, float High)? GreyWindow { get; init; }

    /// <summary>Whole-pixel enlargement of small images (a 128-pixel slice is hard to read at 1x).</summary>
    public int PixelScale { get; init; } = 1;

    public bool ColourBar { get; init; } = true;

    /// <summary>A short label over the image (for example the slice index); never patient data.</summary>
    public string? Label { get; init; }
}
