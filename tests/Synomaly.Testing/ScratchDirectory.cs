namespace Synomaly.Testing;

/// <summary>
/// A unique path under the temporary folder for one test, deleted with everything in it when disposed. The folder is not
/// created: code under test that refuses or repairs an existing folder sees a fresh path.
/// </summary>
public sealed class ScratchDirectory(string prefix) : IDisposable
{
    public string Location { get; } = Path.Combine(Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N"));

    /// <summary>The path <paramref name="relative"/> below <see cref="Location"/>; nothing is created.</summary>
    public string At(string relative) => Path.Combine(Location, relative);

    /// <summary>
    /// An empty file at <paramref name="relative"/> below <see cref="Location"/>, its folders created, for code that only
    /// looks for files (resolving inputs, pairing masks); its full path.
    /// </summary>
    public string Touch(string relative)
    {
        string path = At(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Location))
        {
            Directory.Delete(Location, recursive: true);
        }
    }
}
