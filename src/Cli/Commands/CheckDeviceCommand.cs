using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Synomaly.Cli.DeviceCheck;
using Synomaly.Diffusion;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly check-device`: every kind of device work the product does, checked on one device against the CPU
/// (<see cref="DeviceChecks"/>), before a long job or a deployment relies on it: about a minute with --device cpu on a
/// 2-core machine (README), since each check runs its work on the device and again on the CPU. Exit 0 when every check passed,
/// 1 when one failed, 2 when the device cannot be used at all or --out cannot be a folder, 130 when cancelled (no
/// device-check.json is written).
/// </summary>
public static class CheckDeviceCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Command Create()
    {
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "auto" };
        var output = new Option<string?>("--out") { Description = "Folder for device-check.json (default: print only)." };
        var command = new Command("check-device", "Check seeded draws, UNet forwards, detection, a training resume and tensor leaks on a device against the CPU.")
        {
            device, output,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandCancellation.Run(
            "check-device", "device-check.json was not written.", () => Run(parse.GetValue(device)!, parse.GetValue(output), cancellationToken), cancellationToken)));
        return command;
    }

    private static int Run(string deviceSetting, string? output, CancellationToken cancellationToken)
    {
        // A setting that is no device, or one this process cannot use, is the command runner's option error (exit 2).
        var device = TorchDevice.Resolve(deviceSetting);
        if (output is not null)
        {
            RequireOutputFolder(output);
        }

        AnsiConsole.MarkupLine($"Checking [bold]{Markup.Escape(device.ToString())}[/] against the CPU.");
        var results = DeviceChecks.Run(device, DeviceChecks.Standard, r => AnsiConsole.MarkupLine(
            $"{(r.Passed ? "[green]pass[/]" : "[red]FAIL[/]")} {Markup.Escape(r.Name)} ({r.Seconds:F1} s): {Markup.Escape(r.Detail)}"), cancellationToken);
        if (output is not null)
        {
            Directory.CreateDirectory(output);
            File.WriteAllText(Path.Combine(output, "device-check.json"), JsonSerializer.Serialize(new { device = device.ToString(), checks = results }, Json));
        }

        int failed = results.Count(r => !r.Passed);
        AnsiConsole.MarkupLine(failed == 0 ? $"[green]All {results.Count} checks passed.[/]" : $"[red]{failed} of {results.Count} checks failed.[/]");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// Creates --out before the checks, as detect and evaluate make theirs: a file of that name, or a folder that cannot be
    /// made, is a usage error (exit 2) found at once, not a failed run (exit 1) after every check has run.
    /// </summary>
    private static void RequireOutputFolder(string output)
    {
        if (File.Exists(output))
        {
            throw new UsageException("--out is a file; give a folder for device-check.json (it is created if missing).");
        }

        try
        {
            Directory.CreateDirectory(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out cannot be made a folder: {FileErrorReason.Of(e)}; give a writable folder for device-check.json.", e);
        }
    }
}
