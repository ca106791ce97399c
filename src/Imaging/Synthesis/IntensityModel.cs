namespace Synomaly.Imaging.Synthesis;

/// <summary>How an inserted lesion looks: darker than tissue (T1 hypointense, e.g. stroke or necrosis), brighter
/// (hyperintense, e.g. enhancing or haemorrhagic), or textured (heterogeneous around the tissue mean).</summary>
public enum IntensityModel
{
    Hypointense,
    Hyperintense,
    Textured,
}
