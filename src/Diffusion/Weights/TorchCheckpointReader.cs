using System.Collections;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// Reads the authors' checkpoints without Python: a <c>torch.save</c> zip whose <c>data.pkl</c> is a pickle (protocol 2) of
/// <c>{n_epoch, model_state_dict, optimizer_state_dict, args: defaultdict(str), loss: numpy.float64}</c> and whose tensors
/// live in raw little-endian storages <c>data/N</c>. A bare state_dict saved with <c>torch.save(model.state_dict())</c> is
/// read too. Pickled globals other than the few below are not executed: they become inert <see cref="ClassDict"/> values.
/// </summary>
public static class TorchCheckpointReader
{
    /// <summary>The PROTO opcode that starts a pickle of protocol 2 or later, as a legacy (pre-zip) torch.save file does.</summary>
    private const byte PickleProtocolMarker = 0x80;

    private static readonly Lock RegistrationGate = new();
    private static bool s_registered;

    public static TorchCheckpoint Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        }

        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    public static TorchCheckpoint Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        RegisterConstructors();
        long start = stream.CanSeek ? stream.Position : -1;
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(WhyNotAnArchive(stream, start), e);
        }

        using (archive)
        {
            var pickleEntry = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
                ?? throw new CheckpointFormatException("The archive has no data.pkl: it is not a torch.save checkpoint.");
            string prefix = pickleEntry.FullName[..^"data.pkl".Length];
            CheckByteOrder(archive, prefix);

            using var scope = NewDisposeScope();
            object root;
            using (var unpickler = new TorchUnpickler(archive, prefix))
            using (var pickle = pickleEntry.Open())
            {
                try
                {
                    root = unpickler.load(pickle);
                }
                catch (PickleException e)
                {
                    throw new CheckpointFormatException($"data.pkl could not be unpickled: {e.Message}", e);
                }
            }

            var checkpoint = Interpret(root);
            foreach (var entry in checkpoint.ModelStateDict)
            {
                entry.Value.MoveToOuterDisposeScope();
            }

            return checkpoint;
        }
    }

    /// <summary>
    /// Why the zip reader refused the file, told by its first bytes: a zip's local file header means an archive cut short or
    /// damaged (the central directory it needs is at the end of the file), a pickle's protocol byte a legacy torch.save.
    /// </summary>
    private static string WhyNotAnArchive(Stream stream, long start)
    {
        if (start < 0)
        {
            return "Not a readable torch.save zip archive: it is truncated, damaged, or a legacy pre-1.6 torch.save file (re-save those with a newer PyTorch).";
        }

        Span<byte> head = stackalloc byte[4];
        stream.Position = start;
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read == head.Length && head.SequenceEqual("PK\x03\x04"u8))
        {
            return $"The checkpoint is a truncated or damaged zip archive ({stream.Length - start} bytes; its central directory, at the end of the file, cannot be read): copy it again.";
        }

        return read > 0 && head[0] == PickleProtocolMarker
            ? "The checkpoint is a legacy pre-1.6 torch.save file, which is not supported: re-save it with a newer PyTorch."
            : "Not a torch.save checkpoint: the file is neither a zip archive nor a pickle.";
    }

    private static TorchCheckpoint Interpret(object root)
    {
        if (root is not IDictionary top)
        {
            throw new CheckpointFormatException($"The pickled root is a {root.GetType().Name}, not a dict.");
        }

        // The authors' dict, or a bare state_dict.
        if (!top.Contains("model_state_dict"))
        {
            return new TorchCheckpoint(StateDict(top, "the state_dict"), new Dictionary<string, object?>(), null, null);
        }

        var model = top["model_state_dict"] as IDictionary ?? throw new CheckpointFormatException("model_state_dict is not a dict.");
        var args = top.Contains("args") && top["args"] is IDictionary a ? PlainDictionary(a) : new Dictionary<string, object?>();
        int? epoch = top.Contains("n_epoch") ? Convert.ToInt32(Plain(top["n_epoch"]), CultureInfo.InvariantCulture) : null;
        double? loss = top.Contains("loss") ? Plain(top["loss"]) switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            _ => null,
        } : null;
        return new TorchCheckpoint(StateDict(model, "model_state_dict"), args, epoch, loss);
    }

    private static Dictionary<string, Tensor> StateDict(IDictionary dict, string what)
    {
        var result = new Dictionary<string, Tensor>(dict.Count, StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dict)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
            {
                throw new CheckpointFormatException($"{what} entry '{entry.Key}' is a {entry.Value?.GetType().Name ?? "null"}, not a tensor.");
            }

            result.Add(key, tensor);
        }

        return result;
    }

    /// <summary>
    /// Converts pickled values to plain .NET values: dicts to string-keyed dictionaries, tuples and lists to lists, integers
    /// to long, numpy scalars to their value.
    /// </summary>
    private static object? Plain(object? value) => value switch
    {
        IDictionary dict => PlainDictionary(dict),
        string s => s,
        object[] tuple => tuple.Select(Plain).ToList(),
        IList list => list.Cast<object?>().Select(Plain).ToList(),
        NumpyScalar scalar => scalar.Value,
        int i => (long)i,
        System.Numerics.BigInteger big => (double)big,
        _ => value,
    };

    private static Dictionary<string, object?> PlainDictionary(IDictionary dict)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dict)
        {
            result[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""] = Plain(entry.Value);
        }

        return result;
    }

    private static void CheckByteOrder(ZipArchive archive, string prefix)
    {
        var entry = archive.GetEntry(prefix + "byteorder");
        if (entry is null)
        {
            return; // written by torch >= 1.13 only; older files are little-endian
        }

        using var reader = new StreamReader(entry.Open(), Encoding.ASCII);
        string order = reader.ReadToEnd().Trim();
        if (order != "little")
        {
            throw new CheckpointFormatException($"The checkpoint's storages are {order}-endian; only little-endian checkpoints are supported.");
        }
    }

    private static void RegisterConstructors()
    {
        lock (RegistrationGate)
        {
            if (s_registered)
            {
                return;
            }

            Unpickler.registerConstructor("collections", "OrderedDict", new DictionaryConstructor());
            Unpickler.registerConstructor("collections", "defaultdict", new DictionaryConstructor());
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new RebuildTensorConstructor());
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", new RebuildTensorConstructor());
            Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", new RebuildParameterConstructor());
            Unpickler.registerConstructor("numpy", "dtype", new NumpyDTypeConstructor());
            Unpickler.registerConstructor("numpy.core.multiarray", "scalar", new NumpyScalarConstructor());
            Unpickler.registerConstructor("numpy._core.multiarray", "scalar", new NumpyScalarConstructor());
            s_registered = true;
        }
    }

    /// <summary>Resolves the persistent ids of torch.save, ('storage', type, key, location, numel), to storages read from the zip.</summary>
    private sealed class TorchUnpickler(ZipArchive archive, string prefix) : Unpickler
    {
        private readonly Dictionary<string, Tensor> _storages = new(StringComparer.Ordinal);

        protected override object persistentLoad(object pid)
        {
            if (pid is not object[] { Length: >= 5 } id || id[0] as string != "storage")
            {
                throw new CheckpointFormatException($"Unknown persistent id in data.pkl: {pid}.");
            }

            string typeName = id[1] switch
            {
                ClassDictConstructor c => c.name,
                _ => throw new CheckpointFormatException($"Unknown storage type {id[1]} in data.pkl."),
            };
            string key = Convert.ToString(id[2], CultureInfo.InvariantCulture)!;
            long numel = Convert.ToInt64(id[4], CultureInfo.InvariantCulture);
            if (!_storages.TryGetValue(key, out var storage))
            {
                storage = ReadStorage(key, StorageType(typeName), numel);
                _storages[key] = storage;
            }

            return storage;
        }

        private Tensor ReadStorage(string key, ScalarType dtype, long numel)
        {
            var entry = archive.GetEntry($"{prefix}data/{key}") ?? throw new CheckpointFormatException($"Storage data/{key} is missing from the archive.");
            var storage = empty(numel, dtype, CPU); // the host, by name: a checkpoint is read on the CPU and moved with its model
            long bytes = numel * storage.ElementSize;
            if (entry.Length != bytes)
            {
                // The storage is not disposed here: Read's dispose scope, around the whole unpickling, disposes it.
                throw new CheckpointFormatException($"Storage data/{key} holds {entry.Length} bytes; {numel} × {dtype} need {bytes}.");
            }

            var buffer = new byte[bytes];
            using (var data = entry.Open())
            {
                data.ReadExactly(buffer);
            }

            storage.bytes = buffer;
            return storage;
        }

        private static ScalarType StorageType(string name) => name switch
        {
            "FloatStorage" => ScalarType.Float32,
            "DoubleStorage" => ScalarType.Float64,
            "HalfStorage" => ScalarType.Float16,
            "BFloat16Storage" => ScalarType.BFloat16,
            "LongStorage" => ScalarType.Int64,
            "IntStorage" => ScalarType.Int32,
            "ShortStorage" => ScalarType.Int16,
            "CharStorage" => ScalarType.Int8,
            "ByteStorage" => ScalarType.Byte,
            "BoolStorage" => ScalarType.Bool,
            _ => throw new CheckpointFormatException($"Unsupported storage type torch.{name}."),
        };
    }

    /// <summary>
    /// A dict (OrderedDict, defaultdict) that accepts the state BUILD gives it (e.g. <c>_metadata</c>). The unpickler fills
    /// dicts through a Hashtable, so the file order of the keys is not kept; loading goes by name.
    /// </summary>
    private sealed class PickledDict : Hashtable
    {
        public void __setstate__(Hashtable state)
        {
            // Attributes such as state_dict._metadata carry no weights.
        }
    }

    private sealed class DictionaryConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new PickledDict();
    }

    /// <summary><c>_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])</c>: a contiguous copy of the view.</summary>
    private sealed class RebuildTensorConstructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 4 || args[0] is not Tensor storage)
            {
                throw new CheckpointFormatException("_rebuild_tensor_v2 was called with unexpected arguments.");
            }

            long offset = Convert.ToInt64(args[1], CultureInfo.InvariantCulture);
            long[] size = Longs(args[2]);
            long[] stride = Longs(args[3]);
            long extent = offset + size.Zip(stride, (n, s) => n == 0 ? 0 : (n - 1) * s).Sum() + (size.Any(n => n == 0) ? 0 : 1);
            if (extent > storage.numel())
            {
                throw new CheckpointFormatException($"A tensor of size [{string.Join(", ", size)}] reaches element {extent} of a storage of {storage.numel()}.");
            }

            using var view = storage.as_strided(size, stride, offset);
            return view.contiguous().clone();
        }

        private static long[] Longs(object value) => value is object[] items
            ? items.Select(i => Convert.ToInt64(i, CultureInfo.InvariantCulture)).ToArray()
            : throw new CheckpointFormatException("A tensor size or stride is not a tuple.");
    }

    private sealed class RebuildParameterConstructor : IObjectConstructor
    {
        public object construct(object[] args) => args.Length > 0 && args[0] is Tensor data
            ? data
            : throw new CheckpointFormatException("_rebuild_parameter was called with unexpected arguments.");
    }

    /// <summary><c>numpy.dtype(code, align, copy)</c> with BUILD state (version, byte order, …).</summary>
    private sealed class NumpyDType
    {
        public NumpyDType(string code) => Code = code;

        public string Code { get; }

        public char ByteOrder { get; private set; } = '=';

        public void __setstate__(object[] state)
        {
            if (state.Length > 1 && state[1] is string order && order.Length == 1)
            {
                ByteOrder = order[0];
            }
        }
    }

    private sealed class NumpyDTypeConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new NumpyDType(args.Length > 0 ? Convert.ToString(args[0], CultureInfo.InvariantCulture) ?? "" : "");
    }

    private sealed record NumpyScalar(object Value);

    /// <summary><c>numpy.core.multiarray.scalar(dtype, raw bytes)</c> for the float and integer codes a loss or counter uses.</summary>
    private sealed class NumpyScalarConstructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 2 || args[0] is not NumpyDType dtype || args[1] is not byte[] raw)
            {
                throw new CheckpointFormatException("numpy scalar was pickled with unexpected arguments.");
            }

            if (dtype.ByteOrder == '>')
            {
                throw new CheckpointFormatException("Big-endian numpy scalars are not supported.");
            }

            object value = (dtype.Code, raw.Length) switch
            {
                ("f8", 8) => BitConverter.ToDouble(raw),
                ("f4", 4) => (double)BitConverter.ToSingle(raw),
                ("i8", 8) => BitConverter.ToInt64(raw),
                ("i4", 4) => (long)BitConverter.ToInt32(raw),
                _ => throw new CheckpointFormatException($"Unsupported numpy scalar dtype '{dtype.Code}' ({raw.Length} bytes)."),
            };
            return new NumpyScalar(value);
        }
    }
}
