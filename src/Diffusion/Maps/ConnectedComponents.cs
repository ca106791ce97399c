using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Maps;

/// <summary>
/// 4-connected components (the cross structure of <c>scipy.ndimage.label</c>), batched over images. On a device:
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
        CheckForeground(foreground);
        using var scope = NewDisposeScope();
        long count = foreground.numel();
        long height = foreground.shape[1], width = foreground.shape[2];
        var background = count;
        // The background label on the foreground's device: it fills the background below, and as a sentinel entry at
        // index B·H·W it lets background labels look themselves up. A bare number in where() would become a tensor on
        // libtorch's default device, not on the foreground's.
        var sentinel = tensor(new[] { background }, device: foreground.device);
        var labels = where(foreground, arange(count, dtype: ScalarType.Int64, device: foreground.device).view(foreground.shape), sentinel);
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
            var flat = where(foreground, smallest, sentinel).flatten();

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
    /// On the CPU a linear-time flood fill does this (label propagation costs dozens of full passes there); on an accelerator
    /// the batch stays on the device and is labelled by <see cref="Label"/>.
    /// </summary>
    public static Tensor KeepLargeComponents(Tensor foreground, int minimumSize)
    {
        if (minimumSize <= 1)
        {
            return foreground.alias();
        }

        return foreground.device_type == DeviceType.CPU
            ? KeepLargeComponentsByFloodFill(foreground, minimumSize)
            : KeepLargeComponentsByPropagation(foreground, minimumSize);
    }

    /// <summary><see cref="KeepLargeComponents"/> through <see cref="Label"/> and a scatter-add of component sizes, on any device.</summary>
    public static Tensor KeepLargeComponentsByPropagation(Tensor foreground, int minimumSize)
    {
        using var scope = NewDisposeScope();
        var (labels, _) = Label(foreground);
        var flat = labels.flatten();
        var sizes = zeros(foreground.numel() + 1, dtype: ScalarType.Int64, device: foreground.device)
            .scatter_add_(0, flat, ones_like(flat));
        var keep = foreground.logical_and(sizes.gather(0, flat).view(foreground.shape).NotBelow(minimumSize));
        return keep.MoveToOuterDisposeScope();
    }

    /// <summary><see cref="KeepLargeComponents"/> by a breadth-first flood fill over 4-neighbours on the CPU.</summary>
    public static Tensor KeepLargeComponentsByFloodFill(Tensor foreground, int minimumSize)
    {
        CheckForeground(foreground);
        int height = (int)foreground.shape[1], width = (int)foreground.shape[2], plane = height * width;
        bool[] pixels;
        using (var cpu = foreground.cpu())
        {
            pixels = cpu.data<bool>().ToArray();
        }

        var keep = new bool[pixels.Length];
        var seen = new bool[pixels.Length];
        var component = new List<int>();
        for (int start = 0; start < pixels.Length; start++)
        {
            if (!pixels[start] || seen[start])
            {
                continue;
            }

            component.Clear();
            component.Add(start);
            seen[start] = true;
            for (int next = 0; next < component.Count; next++)
            {
                int p = component[next], image = p / plane * plane, y = (p - image) / width, x = (p - image) % width;
                Visit(p - width, y > 0);
                Visit(p + width, y < height - 1);
                Visit(p - 1, x > 0);
                Visit(p + 1, x < width - 1);
            }

            if (component.Count >= minimumSize)
            {
                component.ForEach(p => keep[p] = true);
            }
        }

        return tensor(keep, device: foreground.device).view(foreground.shape);

        void Visit(int q, bool inside)
        {
            if (inside && pixels[q] && !seen[q])
            {
                seen[q] = true;
                component.Add(q);
            }
        }
    }

    private static void CheckForeground(Tensor foreground)
    {
        if (foreground.dim() != 3 || foreground.dtype != ScalarType.Bool)
        {
            throw new ArgumentException($"Expected a boolean foreground of shape [B,H,W], got {foreground.dtype} [{string.Join(",", foreground.shape)}].", nameof(foreground));
        }
    }
}
