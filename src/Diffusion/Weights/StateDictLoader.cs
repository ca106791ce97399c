using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Weights;

/// <summary>Copies a state_dict into a module with strict name and shape checks; errors name the key.</summary>
public static class StateDictLoader
{
    public static void LoadStrict(nn.Module module, IEnumerable<KeyValuePair<string, Tensor>> weights)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(weights);
        var target = module.state_dict();
        var source = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in weights)
        {
            if (!source.TryAdd(key, tensor))
            {
                throw new CheckpointFormatException($"The weights hold '{key}' twice.");
            }
        }

        var missing = target.Keys.Where(k => !source.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            throw new CheckpointFormatException($"Missing key '{missing[0]}' in the weights ({missing.Count} missing{Others(missing)}).");
        }

        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
        if (unexpected.Count > 0)
        {
            throw new CheckpointFormatException($"Unexpected key '{unexpected[0]}' in the weights ({unexpected.Count} unexpected{Others(unexpected)}).");
        }

        foreach (var (key, parameter) in target)
        {
            var value = source[key];
            if (!value.shape.SequenceEqual(parameter.shape))
            {
                throw new CheckpointFormatException($"Key '{key}' has shape [{string.Join(", ", value.shape)}] in the weights; the model needs [{string.Join(", ", parameter.shape)}].");
            }

            if (!value.is_floating_point())
            {
                throw new CheckpointFormatException($"Key '{key}' holds {value.dtype} values; a floating-point tensor is needed.");
            }
        }

        using var noGrad = no_grad();
        foreach (var (key, parameter) in target)
        {
            parameter.copy_(source[key]);
        }
    }

    private static string Others(List<string> keys) => keys.Count > 1 ? $", e.g. also '{keys[1]}'" : "";
}
