using System.Globalization;
using System.Text.RegularExpressions;
using Synomaly.Diffusion.Noise;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// The Synomaly noise a checkpoint records, read back from its one-line record (<see cref="SynomalyNoiseOptions.Describe"/>,
/// which prints every number round-trippably), so that a resume can go on with it and a refusal can name the
/// <c>--noise-*</c> options that differ. A checkpoint records no other form, old ones included.
/// </summary>
public static partial class RecordedNoise
{
    /// <summary>The noise <paramref name="described"/> records; null for a record not in that form.</summary>
    public static SynomalyNoiseOptions? Parse(string described)
    {
        ArgumentNullException.ThrowIfNull(described);
        var match = Record().Match(described);
        if (!match.Success)
        {
            return null;
        }

        if (Number(match.Groups["sigma"].Value) is not { } sigma || Number(match.Groups["threshold"].Value) is not { } threshold
            || Number(match.Groups["offset"].Value) is not { } offset)
        {
            return null;
        }

        var directions = match.Groups["direction"].Value.Split('/').Select(Number).ToList();
        return directions.Any(d => d is null) ? null : new SynomalyNoiseOptions(sigma, threshold, offset, [.. directions.Select(d => d!.Value)]);
    }

    /// <summary>
    /// The <c>--noise-*</c> options, with the <paramref name="recorded"/> values, in which <paramref name="requested"/>
    /// differs from it ("--noise-direction 1,-1"); empty when they are the same noise.
    /// </summary>
    public static string OptionsToRestore(SynomalyNoiseOptions recorded, SynomalyNoiseOptions requested)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(requested);
        var options = new List<string>();
        Add("--noise-sigma", recorded.Sigma, requested.Sigma);
        Add("--noise-threshold", recorded.Threshold, requested.Threshold);
        Add("--noise-offset", recorded.Offset, requested.Offset);
        if (!recorded.Directions.SequenceEqual(requested.Directions))
        {
            options.Add("--noise-direction " + string.Join(',', recorded.Directions.Select(d => d.ToString(CultureInfo.InvariantCulture))));
        }

        return string.Join(' ', options);

        void Add(string option, double value, double asked)
        {
            if (value != asked)
            {
                options.Add($"{option} {value.ToString(CultureInfo.InvariantCulture)}");
            }
        }
    }

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value : null;

    [GeneratedRegex("^σ (?<sigma>[^,]+), τ (?<threshold>[^,]+), offset (?<offset>[^,]+), direction (?<direction>.+)$")]
    private static partial Regex Record();
}
