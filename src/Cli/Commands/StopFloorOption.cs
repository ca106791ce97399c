using System.CommandLine;
using Synomaly.Diffusion.Inference;

namespace Synomaly.Cli.Commands;

/// <summary>
/// --stop-floor of tune and import-weights, one spelling for both: reference or area-scaled, in any case. import-weights
/// showed the enum names (Reference, AreaScaled) before the two verbs agreed, so AreaScaled is still taken: scripts written
/// against that help keep working. Anything else is refused by the parser with the choices named, a number included (an
/// enum option took "5" and failed only when the card was checked).
/// </summary>
public static class StopFloorOption
{
    public static Option<string> Create(string description)
    {
        var option = new Option<string>("--stop-floor") { Description = description, DefaultValueFactory = _ => "reference", HelpName = "reference|area-scaled" };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (Parse(value) is null)
            {
                result.AddError($"{option.Name} must be reference or area-scaled, not '{value}'.");
            }
        });
        return option;
    }

    /// <summary>The floor an accepted value names (the validator has refused anything else).</summary>
    public static StopFloor Of(string? value) => Parse(value) ?? StopFloor.Reference;

    private static StopFloor? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "reference" => StopFloor.Reference,
        "area-scaled" or "areascaled" => StopFloor.AreaScaled,
        _ => null,
    };
}
