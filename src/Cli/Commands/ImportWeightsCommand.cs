using System.CommandLine;
using System.Runtime.ExceptionServices;
using Spectre.Console;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly import-weights &lt;checkpoint.pt&gt; &lt;outdir&gt;`: reads one of the authors' checkpoints without Python and writes
/// the project format (model.safetensors + model-card.json) with a default inference profile. A folder that already holds a
/// model package is refused unless --force is given: it may hold a trained or tuned model that the import would replace.
/// </summary>
public static class ImportWeightsCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<FileInfo>("checkpoint") { Description = "The authors' torch.save checkpoint (best_model.pt / last_model.pt)." };
        var output = new Argument<DirectoryInfo>("outdir") { Description = "Folder to write model.safetensors and model-card.json into." };
        var name = new Option<string>("--name") { Description = "Model name for the card.", DefaultValueFactory = _ => "synomaly" };
        var version = new Option<string>("--version") { Description = "Model version for the card.", DefaultValueFactory = _ => "1.0.0" };
        var t = new Option<int>("--t") { Description = "Default profile: diffusion timestep of the adaptive process.", DefaultValueFactory = _ => InferenceProfile.ReleasedUltrasound.Timesteps[0] };
        // --k and --theta are tune's names of the same two settings: taken as aliases, the documented names staying for scripts.
        var kernel = new Option<int>("--blur-kernel", "--k") { Description = "Default profile: anomaly-map blur kernel size.", DefaultValueFactory = _ => InferenceProfile.ReleasedUltrasound.BlurKernel };
        var threshold = new Option<double>("--threshold", "--theta") { Description = "Default profile: anomaly-map threshold.", DefaultValueFactory = _ => InferenceProfile.ReleasedUltrasound.Threshold };
        // Given by name, as tune takes them (ProfileChoices); not given, each is the released profile's own.
        var released = InferenceProfile.ReleasedUltrasound;
        var fusion = ProfileChoices.Fusions.Create(
            "--fusion",
            "Default profile: soft (released script), binary (paper figure), notebook (figure notebook: binary k=3, θ=0.1 map) or none (older script: no fusion, stop counts of that map); any case.",
            released.Fusion);
        var stopRule = ProfileChoices.StopRules.Create(
            "--stop-rule",
            "Default profile: released (released script, |Δcount| / max(previous, 500) <= δ from an all-ones start) or paper (paper figure: |Δcount| / previous < δ, from stage 2); any case.",
            released.StopRule);
        var stopFloor = ProfileChoices.StopFloors.Create(
            "--stop-floor",
            "Default profile: denominator floor of the released stop rule, reference (500 pixels at any slice size, the released script) or area-scaled (500 at 128x128 scaled by area, 500·H·W/128²: 125 at 64 px); any case.",
            released.StopFloor);
        var force = new Option<bool>("--force") { Description = "Replace the model package (weights and card) already in outdir; without it such a folder is refused." };
        var command = new Command("import-weights", "Convert one of the authors' checkpoints to the project's weight format.")
        {
            checkpoint, output, name, version, t, kernel, threshold, fusion, stopRule, stopFloor, force,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandCancellation.Run("import-weights", "no model package was written.", () =>
        {
            var profile = released with
            {
                Timesteps = [parse.GetValue(t)],
                BlurKernel = parse.GetValue(kernel),
                Threshold = parse.GetValue(threshold),
                Fusion = ProfileChoices.Fusions.Of(parse.GetValue(fusion)),
                StopRule = ProfileChoices.StopRules.Of(parse.GetValue(stopRule)),
                StopFloor = ProfileChoices.StopFloors.Of(parse.GetValue(stopFloor)),
            };
            var card = Run(parse.GetValue(checkpoint)!.FullName, parse.GetValue(output)!.FullName, parse.GetValue(name)!, parse.GetValue(version)!, profile, parse.GetValue(force), cancellationToken);
            AnsiConsole.MarkupLine($"[green]Imported[/] {Markup.Escape(card.Name)} {Markup.Escape(card.Version)}: {card.Architecture.ModelChannels} model channels, channel_mult '{Markup.Escape(card.Architecture.ChannelMult)}', {card.Schedule} schedule, T = {card.Timesteps}.");
            return 0;
        }, cancellationToken)));
        return command;
    }

    /// <param name="cancellationToken">
    /// Checked before each step (reading the checkpoint, building the model, saving the package): a cancelled import throws
    /// <see cref="OperationCanceledException"/> before the package is written, never while it is.
    /// </param>
    public static ModelCard Run(
        string checkpointPath, string outputDirectory, string name, string version, InferenceProfile profile, bool replaceExisting = false, CancellationToken cancellationToken = default)
    {
        if (!replaceExisting)
        {
            // Checked before the checkpoint is read: the refusal costs nothing and names the option that overrides it.
            ModelPackageExistsException.ThrowIfPackageIn(outputDirectory);
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var checkpoint = TorchCheckpointReader.Read(checkpointPath);
        var card = CheckpointImporter.CreateCard(checkpoint, CheckpointModelConfig.FromCheckpoint(checkpoint), checkpointPath, name, version, profile);
        RequireLoadable(card);
        cancellationToken.ThrowIfCancellationRequested();
        using var model = CheckpointImporter.BuildModel(checkpoint);
        cancellationToken.ThrowIfCancellationRequested();
        ModelPackage.Save(outputDirectory, model, card);
        return card;
    }

    /// <summary>
    /// Refuses, before anything is built or written, a card that every host would refuse when it loads it: the loader's own
    /// check (<see cref="ModelCard.Validate"/>), not a copy of its rules. The profile's values are the command line's, so an
    /// option the loader refuses passes as the <see cref="InvalidOptionException"/> it wraps, which the command runner names
    /// by the option typed (--stop-floor) as a usage error; anything else it refuses came from the checkpoint and fails the import.
    /// </summary>
    private static void RequireLoadable(ModelCard card)
    {
        try
        {
            card.Validate();
        }
        catch (InvalidModelConfigException e) when (e.InnerException is InvalidOptionException option)
        {
            ExceptionDispatchInfo.Throw(option);
        }
    }
}
