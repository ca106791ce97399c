using Synomaly.Diffusion.Maps;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Maps;

public sealed class ConnectedComponentsTests
{
    /// <summary>Component sizes by breadth-first search over 4-neighbours: the independent answer.</summary>
    private static int[] SizesByFlood(bool[] pixels, int height, int width)
    {
        var size = new int[pixels.Length];
        var seen = new bool[pixels.Length];
        for (int start = 0; start < pixels.Length; start++)
        {
            if (!pixels[start] || seen[start])
            {
                continue;
            }

            var members = new List<int> { start };
            seen[start] = true;
            for (int n = 0; n < members.Count; n++)
            {
                int p = members[n], y = p / width, x = p % width;
                foreach (var (ny, nx) in new[] { (y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1) })
                {
                    int q = ny * width + nx;
                    if (ny >= 0 && ny < height && nx >= 0 && nx < width && pixels[q] && !seen[q])
                    {
                        seen[q] = true;
                        members.Add(q);
                    }
                }
            }

            foreach (int p in members)
            {
                size[p] = members.Count;
            }
        }

        return size;
    }

    [Theory]
    [InlineData(0.45, 5)]
    [InlineData(0.6, 30)]
    [InlineData(0.3, 2)]
    public void Both_small_component_removals_match_an_independent_flood_fill_on_random_masks(double density, int minimumSize)
    {
        using var scope = NewDisposeScope();
        const int B = 3, H = 37, W = 29;
        var generator = new TorchSharp.torch.Generator(11);
        var foreground = rand(B, H, W, generator: generator).lt(density);
        bool[] pixels = foreground.data<bool>().ToArray();
        bool[] byPropagation = ConnectedComponents.KeepLargeComponentsByPropagation(foreground, minimumSize).data<bool>().ToArray();
        bool[] actual = ConnectedComponents.KeepLargeComponents(foreground, minimumSize).data<bool>().ToArray();
        Assert.Equal(actual, byPropagation);

        for (int b = 0; b < B; b++)
        {
            bool[] image = pixels.AsSpan(b * H * W, H * W).ToArray();
            int[] sizes = SizesByFlood(image, H, W);
            for (int p = 0; p < H * W; p++)
            {
                Assert.Equal(image[p] && sizes[p] >= minimumSize, actual[b * H * W + p]);
            }
        }
    }

    [Fact]
    public void Diagonal_neighbours_are_separate_components()
    {
        using var scope = NewDisposeScope();
        var foreground = tensor(new[] { true, false, false, true }).view(1, 2, 2);
        var (labels, _) = ConnectedComponents.Label(foreground);

        Assert.Equal(new long[] { 0, 4, 4, 3 }, labels.data<long>().ToArray());
    }

    [Fact]
    public void A_long_serpentine_path_is_one_component_found_in_few_iterations()
    {
        using var scope = NewDisposeScope();
        const int N = 31;
        var grid = new bool[N * N];
        // Even rows are full; odd rows connect them alternately at the right and the left end: one path of ~N²/2 pixels,
        // the worst case for plain neighbour propagation (which needs one iteration per pixel of path).
        for (int y = 0; y < N; y++)
        {
            for (int x = 0; x < N; x++)
            {
                grid[y * N + x] = y % 2 == 0 || (y % 4 == 1 ? x == N - 1 : x == 0);
            }
        }

        var foreground = tensor(grid).view(1, N, N);
        var (labels, iterations) = ConnectedComponents.Label(foreground);
        var onPath = labels.flatten().masked_select(foreground.flatten());

        Assert.Equal(1, onPath.unique().output.numel());
        Assert.Equal(0, onPath[0].item<long>());
        Assert.True(iterations < 40, $"label propagation took {iterations} iterations");
    }
}
