using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each name to its dtype, shape and
/// [begin, end) byte range in the data section (plus an optional "__metadata__" string map), then the raw little-endian data.
/// </summary>
public static class Safetensors
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Writes <paramref name="tensors"/> in the given order (contiguous CPU copies are made as needed).</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata)
            {
                meta[key] = value;
            }

            header[MetadataKey] = meta;
        }

        long offset = 0;
        foreach (var (name, tensor) in entries)
        {
            long size = tensor.numel() * tensor.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = DTypeName(tensor.dtype, name),
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }

        byte[] headerBytes = JsonSerializer.SerializeToUtf8Bytes(header);
        int padding = (8 - (headerBytes.Length % 8)) % 8; // align the data section, padding with spaces as the format allows
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(headerBytes.Length + padding));
        stream.Write(length);
        stream.Write(headerBytes);
        for (int i = 0; i < padding; i++)
        {
            stream.WriteByte((byte)' ');
        }

        foreach (var (_, tensor) in entries)
        {
            // One tensor's copies at a time, freed before the next: a model's host copies never all live at once, and
            // none is left to the finalizer when the caller has no dispose scope.
            using var scope = NewDisposeScope();
            stream.Write(tensor.detach().cpu().contiguous().bytes);
        }
    }

    /// <summary>Reads every tensor onto the CPU, checking that the ranges tile the data section exactly.</summary>
    public static SafetensorsFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            // Named by its file name alone, as the format errors below are: the folder's path is no business of a message.
            throw new FileNotFoundException($"Weights not found: no file {Path.GetFileName(path)}.", path);
        }

        using var stream = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.Length < 8 || stream.Read(lengthBytes) != 8)
        {
            throw new CheckpointFormatException($"{Path.GetFileName(path)} is too short to be a safetensors file.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, stream.Length - 8))
        {
            throw new CheckpointFormatException($"{Path.GetFileName(path)}: header length {headerLength} is not plausible.");
        }

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw new CheckpointFormatException("The safetensors header is empty.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CheckpointFormatException($"{Path.GetFileName(path)}: the header is not a JSON object.", e);
        }

        long dataStart = 8 + (long)headerLength, dataLength = stream.Length - dataStart;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var specs = new List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)>();
        foreach (var (name, node) in header)
        {
            if (name == MetadataKey)
            {
                foreach (var (key, value) in node?.AsObject() ?? [])
                {
                    metadata[key] = value?.GetValue<string>() ?? "";
                }

                continue;
            }

            specs.Add(ParseSpec(name, node));
        }

        specs.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long expectedBegin = 0;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, type, shape, begin, end) in specs)
            {
                using var probe = empty(0, type, CPU);
                long size = shape.Aggregate(1L, (a, b) => a * b) * probe.ElementSize;
                if (begin != expectedBegin || end - begin != size || end > dataLength)
                {
                    throw new CheckpointFormatException($"Tensor '{name}': byte range [{begin}, {end}) does not fit its shape [{string.Join(", ", shape)}] ({size} bytes) at data offset {expectedBegin} of {dataLength}.");
                }

                var buffer = new byte[size];
                stream.Position = dataStart + begin;
                stream.ReadExactly(buffer);
                var tensor = empty(shape, type, CPU);
                tensor.bytes = buffer;
                tensors[name] = tensor;
                expectedBegin = end;
            }

            if (expectedBegin != dataLength)
            {
                throw new CheckpointFormatException($"{Path.GetFileName(path)}: {dataLength - expectedBegin} bytes after the last tensor.");
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }

            throw;
        }

        return new SafetensorsFile(tensors, metadata);
    }

    private static (string, ScalarType, long[], long, long) ParseSpec(string name, JsonNode? node)
    {
        try
        {
            var spec = node!.AsObject();
            var type = DType(spec["dtype"]!.GetValue<string>(), name);
            long[] shape = spec["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            var offsets = spec["data_offsets"]!.AsArray();
            if (offsets.Count != 2 || shape.Any(d => d < 0))
            {
                throw new CheckpointFormatException($"Tensor '{name}': malformed shape or data_offsets.");
            }

            return (name, type, shape, offsets[0]!.GetValue<long>(), offsets[1]!.GetValue<long>());
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new CheckpointFormatException($"Tensor '{name}': the header entry needs dtype, shape and data_offsets.", e);
        }
    }

    private static string DTypeName(ScalarType type, string name) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new CheckpointFormatException($"Tensor '{name}': {type} cannot be stored in safetensors here."),
    };

    private static ScalarType DType(string code, string name) => code switch
    {
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "F64" => ScalarType.Float64,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new CheckpointFormatException($"Tensor '{name}': unsupported dtype '{code}'."),
    };
}

/// <summary>The tensors (CPU) and the string metadata of a safetensors file. Owns its tensors.</summary>
public sealed class SafetensorsFile(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata) : IDisposable
{
    public IReadOnlyDictionary<string, Tensor> Tensors { get; } = tensors;

    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
