using static TorchSharp.torch;

namespace Synomaly.Diffusion.Maps;

/// <summary>
/// 4-connected component labelling on the device (the cross structure of <c>scipy.ndimage.label</c>), batched over images:
/// every foreground pixel starts with its own flat index as label, then labels shrink to the neighbourhood minimum and jump
/// along label chains (L = L[L]) until nothing changes. The fixed point labels each component with its smallest flat index.
/// </summary>
public static class ConnectedComponents
{
    /// <summary>
    /// Labels of a boolean foreground [B,H,W] as flat indices into the batch (background gets B·H·W), and the number of
    /// iterations it took.
    /// </summary>
    public static (Tensor Labels, int Iterations) Label(Tensor foreground)
    {
        if (foreground.dim() != 3 || foreground.dtype != ScalarType.Bool)
        {
            throw new ArgumentException($"Expected a boolean foreground of shape [B,H,W], got {foreground.dtype} [{string.Join(",", foreground.shape)}].", nameof(foreground));
        }

        using var scope = NewDisposeScope();
        long count = foreground.numel();
        long height = foreground.shape[1], width = foreground.shape[2];
        var background = count;
        var labels = where(foreground, arange(count, dtype: ScalarType.Int64, device: foreground.device).view(foreground.shape), background);
        // A sentinel entry at index B·H·W lets background labels look themselves up.
        var sentinel = tensor(new[] { background }, device: foreground.device);
        int iterations = 0;
        while (true)
        {
            iterations++;
            using var step = NewDisposeScope();
            var padded = nn.functional.pad(labels, [1, 1, 1, 1], value: background);
            var smallest = labels;
            smallest = minimum(smallest, padded.narrow(1, 0, height).narrow(2, 1, width));
            smallest = minimum(smallest, padded.narrow(1, 2, height).narrow(2, 1, width));
            smallest = minimum(smallest, padded.narrow(1, 1, height).narrow(2, 0, width));
            smallest = minimum(smallest, padded.narrow(1, 1, height).narrow(2, 2, width));
            var flat = where(foreground, smallest, background).flatten();

            // Jump along label chains: a label is the index of a pixel of the same component whose label is no larger.
            var jumped = cat([flat, sentinel]).gather(0, flat);
            jumped = cat([jumped, sentinel]).gather(0, jumped);
            var next = jumped.view(foreground.shape);
            bool done = next.eq(labels).all().item<bool>();
            labels.Dispose();
            labels = next.MoveToOuterDisposeScope();
            if (done)
            {
                break;
            }
        }

        return (labels.MoveToOuterDisposeScope(), iterations);
    }

    /// <summary>
    /// The foreground pixels [B,H,W] that belong to 4-connected components of at least <paramref name="minimumSize"/> pixels.
    /// </summary>
    public static Tensor KeepLargeComponents(Tensor foreground, int minimumSize)
    {
        if (minimumSize <= 1)
        {
            return foreground.alias();
        }

        using var scope = NewDisposeScope();
        var (labels, _) = Label(foreground);
        var flat = labels.flatten();
        var sizes = zeros(foreground.numel() + 1, dtype: ScalarType.Int64, device: foreground.device)
            .scatter_add_(0, flat, ones_like(flat));
        var keep = foreground.logical_and(sizes.gather(0, flat).view(foreground.shape).ge(minimumSize));
        return keep.MoveToOuterDisposeScope();
    }
}
