using SixLabors.ImageSharp.PixelFormats;

namespace Synomaly.Imaging.Plots;

/// <summary>One line of a plot: a name for the legend, its points (x ascending is not required) and a colour.</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points, Rgb24 Colour);
