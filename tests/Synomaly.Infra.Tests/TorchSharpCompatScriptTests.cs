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
}
