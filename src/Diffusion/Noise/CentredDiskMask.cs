using static TorchSharp.torch;

namespace Synomaly.Diffusion.Noise;

/// <summary>
/// The reference's ultrasound region mask (ALGORITHM.md 2.5): a disk centred at (size/2, size/2) with radius
/// <c>size // 2.2</c> (58 at 128 px), 1 inside (squared distance of the pixel index to the centre at most radius²) and
/// −1 outside, which is what the reference's 0/1 disk becomes after its min-max rescale to [−1, 1].
/// </summary>
public static class CentredDiskMask
{
    /// <summary>
    /// Python's <c>size // 2.2</c>, the reference's expression, evaluated as Python does (from the remainder, so 88 // 2.2
    /// is 39, not the 40 that floor(88 / 2.2) gives): 58 at 128 px, and the same rule at every other size.
    /// </summary>
    public static double Radius(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        const double divisor = 2.2;
        double quotient = (size - (size % divisor)) / divisor;
        double floor = Math.Floor(quotient);
        return quotient - floor > 0.5 ? floor + 1 : floor;
    }

    /// <summary>The mask as a float32 [1, 1, size, size] tensor on <paramref name="device"/>.</summary>
    public static Tensor Create(int size, Device device)
    {
        double radius = Radius(size), centre = size / 2.0;
        var values = new float[size * size];
        for (int row = 0; row < size; row++)
        {
            for (int column = 0; column < size; column++)
            {
                double dy = row - centre, dx = column - centre;
                values[(row * size) + column] = (dx * dx) + (dy * dy) <= radius * radius ? 1f : -1f;
            }
        }

        return tensor(values, [1, 1, size, size], ScalarType.Float32, device);
    }
}
