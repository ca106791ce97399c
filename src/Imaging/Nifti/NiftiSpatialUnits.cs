namespace Synomaly.Imaging.Nifti;

/// <summary>
/// The spatial unit of a NIfTI header (the low three bits of xyzt_units), as the factor that turns its pixdim and affine
/// into millimetres, the unit of every volume here. Metre (1) and micron (3) are converted; millimetre (2) and unknown
/// (0, which most writers leave and NIfTI tools read as mm) stay as stored, as does any undefined code.
/// </summary>
public static class NiftiSpatialUnits
{
    public const int Unknown = 0;
    public const int Metre = 1;
    public const int Millimetre = 2;
    public const int Micron = 3;

    private const int SpatialMask = 0x07;

    /// <summary>Millimetres per stored unit: 1000 for metres, 0.001 for microns, else 1.</summary>
    public static double MillimetresPerUnit(int xyztUnits) => (xyztUnits & SpatialMask) switch
    {
        Metre => 1000,
        Micron => 0.001,
        _ => 1,
    };

    /// <summary>The unit's name for notes, or null where nothing is converted.</summary>
    public static string? ConvertedUnitName(int xyztUnits) => (xyztUnits & SpatialMask) switch
    {
        Metre => "metres",
        Micron => "microns",
        _ => null,
    };
}
