using Synomaly.Diffusion;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Training;

namespace Synomaly.Cli;

/// <summary>
/// The command-line option behind each library parameter, per verb. The inference, map, noise and training options check
/// themselves and throw an <see cref="InvalidOptionException"/> naming their own property (BlurKernel, NoiseDraws); the user
/// typed --k or --noise-draws, so the command runner names that instead. train's model options are named the same way
/// from the <see cref="UNetConfig"/> property an <see cref="InvalidModelConfigException"/> names (TrainModelOptions). One property can be several options: a map's
/// Threshold is tune's --theta and import-weights' --threshold, the noise's Threshold is train's --noise-threshold. A verb
/// has no entry for a value it takes from the model card's profile (detect, most of evaluate): no option of it set that.
/// OptionNamesTests walks every option each verb declares against these tables, so that an option added without its
/// entry (tune's --stop-floor was) fails there rather than leaving a refusal that names no option.
/// </summary>
public static class OptionNames
{
    // Case-insensitive: the training parsers name their option in lower case ("precision", "sampling").
    private static readonly Dictionary<string, Dictionary<string, string>> ByVerb = new(StringComparer.Ordinal)
    {
        ["train"] = Table(
            (nameof(UNetConfig.ImageSize), "--size"),
            (nameof(UNetConfig.ModelChannels), "--model-channels"),
            (nameof(UNetConfig.ChannelMult), "--channel-mult"),
            (nameof(UNetConfig.NumResBlocks), "--res-blocks"),
            (nameof(UNetConfig.AttentionResolutions), "--attention"),
            (nameof(UNetConfig.NumHeadChannels), "--head-channels"),
            (nameof(TrainingOptions.Steps), "--steps"),
            (nameof(TrainingOptions.BatchSize), "--batch"),
            (nameof(TrainingOptions.CheckpointEvery), "--checkpoint-every"),
            (nameof(TrainingOptions.LearningRate), "--lr"),
            (nameof(TrainingOptions.WeightDecay), "--weight-decay"),
            (nameof(TrainingOptions.GradientClipNorm), "--clip-norm"),
            (nameof(TrainingOptions.EmaDecay), "--ema"),
            (nameof(TrainingOptions.MaxTimestep), "--max-timestep"),
            (nameof(TrainingOptions.RegionMask), "--region-mask"),
            (nameof(TrainingOptions.Sampling), "--sampling"),
            (nameof(TrainingOptions.Precision), "--precision"),
            (nameof(SynomalyNoiseOptions.Sigma), "--noise-sigma"),
            (nameof(SynomalyNoiseOptions.Threshold), "--noise-threshold"),
            (nameof(SynomalyNoiseOptions.Offset), "--noise-offset"),
            (nameof(SynomalyNoiseOptions.Directions), "--noise-direction")),
        ["tune"] = Table(
            (nameof(InferenceOptions.Timesteps), "--t"),
            (nameof(InferenceOptions.BlurKernel), "--k"),
            (nameof(InferenceOptions.Threshold), "--theta"),
            (nameof(InferenceOptions.NoiseDraws), "--noise-draws"),
            (nameof(InferenceOptions.MinComponentSize), "--min-component"),
            (nameof(InferenceOptions.Fusion), "--fusion"),
            (nameof(InferenceOptions.StopRule), "--stop-rule"),
            (nameof(InferenceOptions.StopFloor), "--stop-floor"),
            (nameof(InferenceOptions.NoiseSeeding), "--noise-seeding")),
        ["evaluate"] = Table(
            (nameof(InferenceOptions.MinComponentSize), "--min-component"),
            (nameof(InferenceOptions.NoiseSeeding), "--noise-seeding")),
        ["import-weights"] = Table(
            (nameof(InferenceOptions.Timesteps), "--t"),
            (nameof(InferenceOptions.BlurKernel), "--blur-kernel"),
            (nameof(InferenceOptions.Threshold), "--threshold"),
            (nameof(InferenceOptions.Fusion), "--fusion"),
            (nameof(InferenceOptions.StopRule), "--stop-rule"),
            (nameof(InferenceOptions.StopFloor), "--stop-floor")),
    };

    /// <summary>Every (verb, parameter, option) of the table.</summary>
    public static IEnumerable<(string Verb, string Parameter, string Option)> All =>
        ByVerb.SelectMany(verb => verb.Value.Select(entry => (verb.Key, entry.Key, entry.Value)));

    /// <summary>The option of <paramref name="verb"/> that sets <paramref name="parameter"/>, or null where none of its options does.</summary>
    public static string? For(string verb, string? parameter) =>
        parameter is not null && ByVerb.TryGetValue(verb, out var options) && options.TryGetValue(parameter, out var option) ? option : null;

    private static Dictionary<string, string> Table(params (string Parameter, string Option)[] entries) =>
        entries.ToDictionary(e => e.Parameter, e => e.Option, StringComparer.OrdinalIgnoreCase);
}
