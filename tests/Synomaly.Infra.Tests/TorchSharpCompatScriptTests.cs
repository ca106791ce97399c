using System.Diagnostics;
using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>
/// build/torchsharp-compat/apply.sh runs after every publish (Directory.Build.targets), also of projects that ship no
/// TorchSharp (the Functions app): there it must do nothing, even on a machine without the tools that patching needs.
/// </summary>
public sealed class TorchSharpCompatScriptTests
{
    [Fact]
    public async Task A_folder_without_libtorchsharp_is_left_alone_without_asking_for_patchelf_gcc_or_python()
    {
        using var output = new ScratchDirectory("synomaly-compat-output");
        using var tools = new ScratchDirectory("synomaly-compat-tools");
        Directory.CreateDirectory(output.Location);
        Directory.CreateDirectory(tools.Location);
        // Only the ordinary tools the script uses itself: no patchelf, g++ or python3 on this PATH.
        foreach (var tool in new[] { "awk", "grep", "dirname", "mkdir", "find", "cat" })
        {
            string? found = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
            if (found is not null)
            {
                File.CreateSymbolicLink(Path.Combine(tools.Location, tool), found);
            }
        }

        var info = new ProcessStartInfo("/bin/bash", [Path.Combine(TestPaths.RepositoryRoot, "build", "torchsharp-compat", "apply.sh"), output.Location])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["PATH"] = tools.Location;
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(output.Location, "cache");
        using var process = Process.Start(info)!;
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, $"apply.sh failed (exit {process.ExitCode}): {stderr}");
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task A_library_hard_linked_from_the_package_cache_is_patched_as_a_copy_of_its_own()
    {
        // The build hard-links package files into bin (Directory.Build.props), so patching the bin file in place would
        // patch the NuGet cache's file as well. A stand-in cache holds a real TorchSharp library; bin links to it.
        string packaged = FindPackagedLibTorchSharp();
        using var scratch = new ScratchDirectory("synomaly-compat-linked");
        string cache = Path.Combine(scratch.Location, "packages");
        string native = Path.Combine(scratch.Location, "bin", "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(cache);
        Directory.CreateDirectory(native);
        string cached = Path.Combine(cache, "libLibTorchSharp.so");
        File.Copy(packaged, cached);
        string linked = Path.Combine(native, "libLibTorchSharp.so");
        await RunAsync("/bin/ln", [cached, linked], scratch.Location);
        byte[] before = await File.ReadAllBytesAsync(cached, TestContext.Current.CancellationToken);

        await RunAsync("/bin/bash", [Path.Combine(TestPaths.RepositoryRoot, "build", "torchsharp-compat", "apply.sh"), Path.Combine(scratch.Location, "bin")], scratch.Location);

        Assert.Equal(before, await File.ReadAllBytesAsync(cached, TestContext.Current.CancellationToken));
        byte[] after = await File.ReadAllBytesAsync(linked, TestContext.Current.CancellationToken);
        bool patched = File.Exists(Path.Combine(native, "libsynomaly_iosinit.so"));
        // On a system whose libstdc++ needs no patch (GCC 13 or later) the script leaves the link as it was.
        Assert.Equal(patched, !before.AsSpan().SequenceEqual(after));
    }

    private static string FindPackagedLibTorchSharp()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string torchSharp = Path.Combine(packages, "torchsharp");
        string? library = Directory.Exists(torchSharp)
            ? Directory.EnumerateDirectories(torchSharp)
                .Select(version => Path.Combine(version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"))
                .Order(StringComparer.Ordinal)
                .LastOrDefault(File.Exists)
            : null;
        return library ?? throw new InvalidOperationException($"No TorchSharp package with libLibTorchSharp.so under {packages}: restore the solution first.");
    }

    private static async Task RunAsync(string program, string[] arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(workingDirectory, "cache");
        using var process = Process.Start(info)!;
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(program)} failed (exit {process.ExitCode}): {stderr}");
    }
}
