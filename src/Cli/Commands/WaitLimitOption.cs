using System.CommandLine;
using System.Globalization;

namespace Synomaly.Cli.Commands;

/// <summary>
/// The rule of a --timeout-minutes option (demo, soak): at least one minute, refused by the parser (exit 2) otherwise, the
/// option named as typed (<see cref="TypedOptionName"/>). A wait of 0 or fewer minutes gave up at its first look at the
/// jobs, after Azurite and the hosts had been started and the scans uploaded, and failed the run (exit 1) as if the
/// pipeline had been too slow.
/// </summary>
public static class WaitLimitOption
{
    public static Option<int> AtLeastOneMinute(this Option<int> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            int minutes = result.GetValueOrDefault<int>();
            if (minutes < 1)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{TypedOptionName.Of(result)} must be at least 1 (got {minutes})."));
            }
        });
        return option;
    }
}
