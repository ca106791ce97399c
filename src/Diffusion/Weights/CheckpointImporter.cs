using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;

namespace Synomaly.Diffusion.Weights;

/// <summary>Turns one of the authors' checkpoints into a loaded <see cref="UNet"/> and a <see cref="ModelCard"/> for the project format.</summary>
public static class CheckpointImporter
{
    /// <summary>Builds the UNet the checkpoint's args describe (weights fill the gaps) and loads its weights strictly; CPU, eval mode.</summary>
    public static UNet BuildModel(TorchCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var model = new UNet(CheckpointModelConfig.FromCheckpoint(checkpoint));
        try
        {
            StateDictLoader.LoadStrict(model, checkpoint.ModelStateDict);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The diffusion the checkpoint was trained with: args beta_schedule / noise_steps, cosine / 1000 when absent.</summary>
    public static (BetaSchedule Schedule, int Timesteps) Diffusion(TorchCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var schedule = checkpoint.Args.TryGetValue("beta_schedule", out var s) && s is string name && name.Length > 0 ? BetaSchedules.Parse(name) : BetaSchedule.Cosine;
        int timesteps = checkpoint.Args.TryGetValue("noise_steps", out var n) && n is long steps ? checked((int)steps) : 1000;
        return (schedule, timesteps);
    }

    /// <summary>
    /// The one profile of an imported card: named as the alias jobs carry for a card's default profile
    /// (Synomaly.Contracts.InferenceProfileNames.Default, which this project does not reference), so both mean this one.
    /// </summary>
    public const string ImportedProfileName = "default";

    public static ModelCard CreateCard(TorchCheckpoint checkpoint, UNetConfig architecture, string sourcePath, string name, string version, InferenceProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(architecture);
        var (schedule, timesteps) = Diffusion(checkpoint);
        string dataset = checkpoint.Args.TryGetValue("dataset", out var d) && d is string ds && ds.Length > 0 ? ds : "unknown";
        return new ModelCard
        {
            Name = name,
            Version = version,
            Description = $"Imported from a checkpoint of the Synomaly authors (dataset '{dataset}').",
            Architecture = architecture,
            Schedule = schedule,
            Timesteps = timesteps,
            InferenceProfiles = new Dictionary<string, InferenceProfile> { [ImportedProfileName] = profile ?? InferenceProfile.ReleasedUltrasound },
            DefaultProfile = ImportedProfileName,
            // The authors trained on nibabel's data[:, :, z] (rows = x, no flip), not this project's display layout.
            Preprocessing = new Preprocessing { ImageSize = architecture.ImageSize, SliceOrientation = Preprocessing.ReferenceArrayOrientation },
            TrainingData = new TrainingData(
                $"The authors' training set '{dataset}' (see github.com/yuan-12138/Synomaly).",
                "As distributed by the authors; the licence of the source dataset applies."),
            Provenance = new Provenance
            {
                Source = Provenance.AuthorsCheckpoint,
                SourceSha256 = Sha256(sourcePath),
                Epoch = checkpoint.Epoch,
                Loss = checkpoint.Loss,
                TrainingArgs = JsonSerializer.SerializeToNode(checkpoint.Args) as JsonObject,
                CreatedUtc = DateTimeOffset.UtcNow,
                Tool = "synomaly import-weights " + typeof(CheckpointImporter).Assembly.GetName().Version?.ToString(3),
            },
        };
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
