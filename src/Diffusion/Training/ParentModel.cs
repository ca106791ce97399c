using System.Text.Json.Nodes;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// The saved model a warm-started run began from, as its card described it (its own training arguments, and through them
/// its own parent), so that a fine-tuned model's card carries its whole lineage. Kept in the run's checkpoints: a resume
/// names the model the run really started from, whatever a later --init-from says.
/// </summary>
public sealed record ParentModel(string Name, string Version, double? Loss, JsonObject? TrainingArgs)
{
    public static ParentModel Of(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return new ParentModel(card.Name, card.Version, card.Provenance?.Loss, card.Provenance?.TrainingArgs?.DeepClone().AsObject());
    }

    public override string ToString() => $"{Name} {Version}";
}
