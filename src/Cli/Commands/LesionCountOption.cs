using System.CommandLine;

namespace Synomaly.Cli.Commands;

/// <summary>
/// The rule of evaluate's and tune's --lesions-per-slice: at least one, refused by the parser (exit 2) otherwise, since a
/// set made without lesions has no Dice to tune or report. Named as typed (<see cref="TypedOptionName"/>).
/// </summary>
public static class LesionCountOption
{
    public static Option<int> AtLeastOneLesion(this Option<int> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError($"{TypedOptionName.Of(result)} must be at least 1 (got {result.GetValueOrDefault<int>()}): a set without lesions has no Dice to tune or report.");
            }
        });
        return option;
    }
}
