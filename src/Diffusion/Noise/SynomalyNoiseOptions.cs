namespace Synomaly.Diffusion.Noise;

/// <summary>
/// The JSON <c>noise_params</c> of a Synomaly model (ALGORITHM.md 2.5): blur sigma σ (<c>anomaly_sigma</c>), threshold τ on
/// the 0..255 rescaled blur (<c>anomaly_threshold</c>), intensity offset o (<c>anomaly_offset</c>) and direction d
/// (<c>anomaly_direction</c>: one value, or several to draw from per image).
/// </summary>
public sealed record SynomalyNoiseOptions(double Sigma, double Threshold, double Offset, IReadOnlyList<double> Directions)
{
    /// <summary>BraTS as released: σ 3, τ 175, o 0.5, d +1.</summary>
    public static SynomalyNoiseOptions Brats { get; } = new(3, 175, 0.5, [1]);

    /// <summary>LiTS as released (the JSON, not the docstring): σ 3, τ 175, o 1, d −1.</summary>
    public static SynomalyNoiseOptions Lits { get; } = new(3, 175, 1, [-1]);

    /// <summary>Carotid ultrasound as released: σ 7, τ 150, o 0.5, d +1.</summary>
    public static SynomalyNoiseOptions Ultrasound { get; } = new(7, 150, 0.5, [1]);

    /// <summary>Throws a typed error naming the first invalid value.</summary>
    public void Validate()
    {
        if (!(Sigma > 0) || double.IsInfinity(Sigma))
        {
            throw new InvalidOptionException(nameof(Sigma), Sigma, "The anomaly blur sigma must be a positive finite number.");
        }

        // The blur is rescaled to 0..255 and blobs are where it is strictly above τ: at 255 or more no pixel ever is (the
        // model would train without synthetic anomalies, silently), below 0 every pixel is.
        if (!(Threshold >= 0 && Threshold < 255))
        {
            throw new InvalidOptionException(nameof(Threshold), Threshold, "The anomaly threshold must be at least 0 and below 255 (it applies to the blur rescaled to 0..255).");
        }

        if (!double.IsFinite(Offset))
        {
            throw new InvalidOptionException(nameof(Offset), Offset, "The anomaly offset must be a finite number.");
        }

        if (Directions is null || Directions.Count == 0 || Directions.Any(d => !double.IsFinite(d)))
        {
            throw new InvalidOptionException(nameof(Directions), null, "At least one finite anomaly direction is required.");
        }
    }

    /// <summary>
    /// Parses a comma list of directions ("1", "-1" or "1,-1": brighter, darker, or either drawn per image), refusing an
    /// entry that is not a finite non-zero number with a typed error that names it.
    /// </summary>
    public static IReadOnlyList<double> ParseDirections(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var directions = new List<double>();
        foreach (var entry in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(entry, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d) || d == 0)
            {
                throw new InvalidOptionException(nameof(Directions), entry, $"'{entry}' is not an anomaly direction: give 1 (brighter), -1 (darker) or a comma list such as 1,-1.");
            }

            directions.Add(d);
        }

        return directions;
    }

    /// <summary>The four parameters as one invariant line (σ 3, τ 175, offset 0.5, direction 1), for records and messages.</summary>
    public string Describe() => FormattableString.Invariant(
        $"σ {Sigma}, τ {Threshold}, offset {Offset}, direction {string.Join("/", Directions.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}");
}
