using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TorchSharp;

namespace Synomaly.Cli.Bench;

/// <summary>Where and with what a bench ran: device, library versions, machine, date and the machine's load around the run.</summary>
public sealed record BenchEnvironment
{
    public required string Device { get; init; }

    public required string DeviceName { get; init; }

    public required string TorchSharpVersion { get; init; }

    /// <summary>The libtorch version TorchSharp reports (torch.__version__).</summary>
    public required string LibTorchVersion { get; init; }

    /// <summary>The libtorch_cpu library this process loaded, and the PyTorch version beside it when it is a PyTorch install.</summary>
    public string? LibTorchLibrary { get; init; }

    public string? PyTorchVersion { get; init; }

    public required string DotNetVersion { get; init; }

    public required string OperatingSystem { get; init; }

    public required string MachineName { get; init; }

    public required string CpuModel { get; init; }

    public required int LogicalCores { get; init; }

    public required int TorchThreads { get; init; }

    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>1-minute load average when the run started (Linux), so that a loaded machine shows in the record.</summary>
    public double? LoadAverageAtStart { get; init; }

    public double? LoadAverageAtEnd { get; init; }

    public static BenchEnvironment Capture(torch.Device device, string deviceName)
    {
        ArgumentNullException.ThrowIfNull(device);
        string? library = LoadedLibTorch();
        return new BenchEnvironment
        {
            Device = device.ToString(),
            DeviceName = deviceName,
            TorchSharpVersion = (typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+')[0],
            LibTorchVersion = torch.__version__,
            LibTorchLibrary = library,
            PyTorchVersion = library is null ? null : PyTorchVersionBeside(library),
            DotNetVersion = RuntimeInformation.FrameworkDescription,
            OperatingSystem = RuntimeInformation.OSDescription,
            MachineName = Environment.MachineName,
            CpuModel = ReadCpuModel(),
            LogicalCores = Environment.ProcessorCount,
            TorchThreads = torch.get_num_threads(),
            StartedUtc = DateTimeOffset.UtcNow,
            LoadAverageAtStart = LoadAverage(),
        };
    }

    /// <summary>The CPU's model name (/proc/cpuinfo), or the architecture where that is not readable.</summary>
    public static string ReadCpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        string? line = File.Exists(cpuInfo) ? File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    /// <summary>The 1-minute load average (/proc/loadavg); null where there is none.</summary>
    public static double? LoadAverage()
    {
        const string loadAverage = "/proc/loadavg";
        if (!File.Exists(loadAverage))
        {
            return null;
        }

        string first = File.ReadAllText(loadAverage).Split(' ', 2)[0];
        return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : null;
    }

    private static string? LoadedLibTorch()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return null;
        }

        return File.ReadLines(maps).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 6)
            .Select(f => f[5]).FirstOrDefault(path => Path.GetFileName(path) == "libtorch_cpu.so");
    }

    /// <summary>A PyTorch install keeps its libraries in torch/lib and its version in torch/version.py.</summary>
    private static string? PyTorchVersionBeside(string library)
    {
        string versionFile = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(library)!)!, "version.py");
        if (!File.Exists(versionFile))
        {
            return null;
        }

        var match = Regex.Match(File.ReadAllText(versionFile), @"^__version__\s*=\s*['""]([^'""]+)['""]", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : null;
    }
}
