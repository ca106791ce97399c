using System.Text.Json;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// Reads a reference folder's JSON files ({prefix}meta.json, {prefix}adaptive_meta.json) so that a file that is not JSON,
/// or lacks a field or holds one of the wrong kind, is an <see cref="InvalidDataException"/> naming the file: the bare
/// JsonException or KeyNotFoundException would not say which of the folder's files is at fault.
/// </summary>
internal static class ReferenceMetaFile
{
    /// <summary>Parses <paramref name="path"/> and hands its root to <paramref name="interpret"/>, which must read everything it needs before returning.</summary>
    public static T Read<T>(string path, Func<JsonElement, T> interpret)
    {
        string name = Path.GetFileName(path);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return interpret(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{name} is not valid JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // GetProperty on a missing field, GetInt64 on a string or an array, a number that does not fit.
            throw new InvalidDataException($"{name} does not have the reference's layout: {e.Message}", e);
        }
    }
}
