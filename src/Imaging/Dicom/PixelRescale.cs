using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// The modality rescale of one frame: stored value x <see cref="Slope"/> + <see cref="Intercept"/>. Classic images carry
/// it in the image module; enhanced multi-frame objects in the Pixel Value Transformation functional group, shared by all
/// frames or per frame, and per-frame values may differ (enhanced MR often scales each frame on its own).
/// </summary>
internal readonly record struct PixelRescale(double Slope, double Intercept)
{
    public double Apply(double stored) => (stored * Slope) + Intercept;

    /// <summary>
    /// One rescale per stored frame. The image module's values come first (as before enhanced objects existed), then the
    /// frame's own functional group, then the shared one; a missing slope is 1 and a zero slope is read as 1.
    /// </summary>
    public static PixelRescale[] ReadFrames(DicomDataset ds, int frames, ICollection<string> notes)
    {
        bool inImageModule = ds.Contains(DicomTag.RescaleSlope) || ds.Contains(DicomTag.RescaleIntercept);
        var shared = ds.FirstItem(DicomTag.SharedFunctionalGroupsSequence)?.FirstItem(DicomTag.PixelValueTransformationSequence);
        var perFrame = ds.Items(DicomTag.PerFrameFunctionalGroupsSequence);
        var result = new PixelRescale[frames];
        bool zeroSlope = false;
        for (int f = 0; f < frames; f++)
        {
            var own = f < perFrame.Count ? perFrame[f].FirstItem(DicomTag.PixelValueTransformationSequence) : null;
            var source = inImageModule ? ds : own ?? shared ?? ds;
            double slope = source.GetDecimal(DicomTag.RescaleSlope) ?? 1;
            double intercept = source.GetDecimal(DicomTag.RescaleIntercept) ?? 0;
            if (slope == 0)
            {
                zeroSlope = true;
                slope = 1;
            }

            result[f] = new PixelRescale(slope, intercept);
        }

        if (zeroSlope)
        {
            notes.Add("RescaleSlope 0 read as 1");
        }

        int distinct = result.Distinct().Count();
        if (distinct > 1)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{distinct} different per-frame rescales, each applied to its own frames"));
        }

        return result;
    }
}
