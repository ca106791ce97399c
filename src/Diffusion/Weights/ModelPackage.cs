using System.Globalization;
using Synomaly.Diffusion.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// The project's model format: a folder with <c>model.safetensors</c> (the UNet state_dict under the reference key names,
/// float32) and <c>model-card.json</c> (<see cref="ModelCard"/>).
/// </summary>
public static class ModelPackage
{
    public const string WeightsFile = "model.safetensors";
    public const string CardFile = "model-card.json";

    public static void Save(string directory, UNet model, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(card);
        if (card.Architecture != model.Config)
        {
            throw new InvalidModelConfigException("The model card's architecture differs from the model's configuration.");
        }

        Directory.CreateDirectory(directory);
        using var scope = NewDisposeScope();
        var weights = model.state_dict().Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.to_type(ScalarType.Float32)));
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            ["model"] = card.Name,
            ["version"] = card.Version,
            ["card_format"] = card.FormatVersion.ToString(CultureInfo.InvariantCulture),
        };
        Safetensors.Write(Path.Combine(directory, WeightsFile), weights, metadata);
        SaveCard(directory, card);
    }

    /// <summary>Replaces the card of a saved model (a tuned profile, recorded metrics); the weights stay as they are.</summary>
    public static void SaveCard(string directory, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(card);
        File.WriteAllText(Path.Combine(directory, CardFile), card.ToJson());
    }

    /// <summary>Reads only the model card (for callers that need the configuration or profile, not the weights).</summary>
    public static ModelCard LoadCard(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string cardPath = Path.Combine(directory, CardFile);
        if (!File.Exists(cardPath))
        {
            throw new MissingModelFileException($"No {CardFile} in the model folder{NestedModelHint(directory)}.", cardPath);
        }

        return ModelCard.FromJson(File.ReadAllText(cardPath));
    }

    /// <summary>
    /// Where a folder given as a model holds one a level down (synomaly train's --out, whose model is in model/), says so:
    /// giving the run's folder is a new user's first try, and "no card" alone sent them to retrain. Named by the
    /// subfolder's own name only, as the message names no path.
    /// </summary>
    private static string NestedModelHint(string directory)
    {
        string? nested = Directory.Exists(directory)
            ? Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal).FirstOrDefault(d => File.Exists(Path.Combine(d, CardFile)))
            : null;
        return nested is null ? "" : $"; its subfolder {Path.GetFileName(nested)}/ holds one (train writes its model into <out>/model): give that folder";
    }

    /// <summary>Reads the card, builds the UNet it describes, loads the weights strictly and returns it in eval mode on <paramref name="device"/>.</summary>
    public static (UNet Model, ModelCard Card) Load(string directory, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var card = LoadCard(directory);
        var model = new UNet(card.Architecture);
        try
        {
            ReadWeightsInto(directory, model);
            model.to(device);
            model.eval();
            return (model, card);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a saved model's weights strictly into <paramref name="model"/> (a warm start for training), refusing a model
    /// whose card describes another architecture, with both configurations named.
    /// </summary>
    public static ModelCard LoadWeights(string directory, UNet model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var card = LoadCard(directory);
        if (card.Architecture != model.Config)
        {
            throw new InvalidModelConfigException(
                $"The saved model's architecture ({card.Architecture}) differs from this model's ({model.Config}).");
        }

        ReadWeightsInto(directory, model);
        return card;
    }

    private static void ReadWeightsInto(string directory, UNet model)
    {
        string weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath))
        {
            throw new MissingModelFileException($"No {WeightsFile} in the model folder.", weightsPath);
        }

        using var weights = Safetensors.Read(weightsPath);
        StateDictLoader.LoadStrict(model, weights.Tensors);
    }
}
