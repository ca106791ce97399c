namespace Synomaly.Imaging.Dicom;

/// <summary>
/// What the frames of a classic multi-frame object step through, by its Frame Increment Pointer (0028,0009): the tags of
/// the attributes that change from frame to frame. A pointer to Frame Time or Frame Time Vector makes the frames time
/// points of one plane (an ultrasound or MR cine), not slices along an axis.
/// </summary>
internal static class FrameIncrement
{
    public static bool IsTemporal(DicomDataset ds)
    {
        // AT values: (group, element) pairs of 16-bit words in the file's byte order.
        var words = ds.GetUInt16Array(DicomTag.FrameIncrementPointer) ?? [];
        for (int i = 0; i + 1 < words.Length; i += 2)
        {
            var tag = new DicomTag(words[i], words[i + 1]);
            if (tag == DicomTag.FrameTime || tag == DicomTag.FrameTimeVector)
            {
                return true;
            }
        }

        return false;
    }
}
