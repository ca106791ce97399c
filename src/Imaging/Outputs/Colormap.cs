using SixLabors.ImageSharp.PixelFormats;

namespace Synomaly.Imaging.Outputs;

/// <summary>A map from [0, 1] to colours: piecewise-linear between evenly spaced control colours.</summary>
public sealed class Colormap
{
    private readonly (double R, double G, double B)[] _stops;

    private Colormap(string name, (double R, double G, double B)[] stops)
    {
        Name = name;
        _stops = stops;
    }

    /// <summary>Perceptually uniform, dark to bright: readable in greyscale print. Every 32nd entry of matplotlib's inferno table.</summary>
    public static Colormap Inferno { get; } = new("inferno",
    [
        (0.001462, 0.000466, 0.013866), (0.129285, 0.047293, 0.290788), (0.341500, 0.062325, 0.429425),
        (0.540920, 0.134729, 0.415123), (0.735683, 0.215906, 0.330245), (0.894305, 0.353399, 0.193584),
        (0.978422, 0.557937, 0.034931), (0.974638, 0.797692, 0.206332), (0.988362, 0.998364, 0.644924),
    ]);

    /// <summary>The classic blue-cyan-yellow-red map (matplotlib's jet), common in clinical viewers.</summary>
    public static Colormap Jet { get; } = new("jet",
    [
        (0, 0, 0.5), (0, 0, 1), (0, 0.5, 1), (0, 1, 1), (0.5, 1, 0.5), (1, 1, 0), (1, 0.5, 0), (1, 0, 0), (0.5, 0, 0),
    ]);

    /// <summary>Black to white: the grey ramp for images shown without a map (figures, the input under an overlay).</summary>
    public static Colormap Grey { get; } = new("grey", [(0, 0, 0), (1, 1, 1)]);

    public string Name { get; }

    public static Colormap Parse(string name) => name.ToUpperInvariant() switch
    {
        "INFERNO" => Inferno,
        "JET" => Jet,
        _ => throw new ArgumentException($"Unknown colormap '{name}'; use inferno or jet.", nameof(name)),
    };

    public Rgb24 Map(double t)
    {
        t = double.IsFinite(t) ? Math.Clamp(t, 0, 1) : 0;
        double position = t * (_stops.Length - 1);
        int i = Math.Min((int)position, _stops.Length - 2);
        double f = position - i;
        var (a, b) = (_stops[i], _stops[i + 1]);
        return new Rgb24(Channel(a.R, b.R, f), Channel(a.G, b.G, f), Channel(a.B, b.B, f));
    }

    private static byte Channel(double from, double to, double f) => (byte)Math.Round(255 * (from + ((to - from) * f)));
}
