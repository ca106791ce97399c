using Synomaly.Diffusion.Inference;

namespace Synomaly.Cli.Commands;

/// <summary>
/// The inference-profile choices that import-weights and tune take by name, one spelling for both verbs (the one tune
/// writes): --fusion, --stop-rule and --stop-floor. import-weights showed the enum names before (Soft, Released,
/// AreaScaled); <see cref="EnumChoices{T}"/> takes those too, so that scripts written against that help keep working, and
/// the model card's spelling (area_scaled), so that a card's value can be passed on.
/// </summary>
public static class ProfileChoices
{
    public static EnumChoices<FusionMode> Fusions { get; } = new(("soft", FusionMode.Soft), ("binary", FusionMode.Binary), ("notebook", FusionMode.Notebook), ("none", FusionMode.None));

    public static EnumChoices<StopRule> StopRules { get; } = new(("released", StopRule.Released), ("paper", StopRule.Paper));

    public static EnumChoices<StopFloor> StopFloors { get; } = new(("reference", StopFloor.Reference), ("area-scaled", StopFloor.AreaScaled));
}
