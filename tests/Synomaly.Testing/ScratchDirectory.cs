namespace Synomaly.Testing;

/// <summary>
/// A unique path under the temporary folder for one test, deleted with everything in it when disposed. The folder is not
/// created: code under test that refuses or repairs an existing folder sees a fresh path.
/// </summary>
public sealed class ScratchDirectory(string prefix) : IDisposable
{
    public string Location { get; } = Path.Combine(Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Location))
        {
            Directory.Delete(Location, recursive: true);
        }
    }
}
