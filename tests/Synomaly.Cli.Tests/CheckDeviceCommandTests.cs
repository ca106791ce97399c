using System.Text.Json;
using Synomaly.Cli.DeviceCheck;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class CheckDeviceCommandTests
{
    [Fact]
    public async Task Every_check_passes_on_the_cpu_and_the_report_names_each()
    {
        using var scratch = new ScratchDirectory("check-device");

        int code = await CommandRunner.RunAsync(["check-device", "--device", "cpu", "--out", scratch.Location]);

        Assert.Equal(0, code);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(scratch.Location, "device-check.json")));
        var checks = report.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(DeviceChecks.Standard.Select(c => c.Name), checks.Select(c => c.GetProperty("Name").GetString()));
        Assert.All(checks, c => Assert.True(c.GetProperty("Passed").GetBoolean(), c.GetProperty("Detail").GetString()));
    }

    [Fact]
    public async Task Timings_are_printed_with_a_decimal_point_on_a_machine_whose_language_writes_a_comma()
    {
        using var scratch = new ScratchDirectory("check-device-german");

        var (code, output) = await GermanCulture.Run(() => StandardError.CaptureAll(["check-device", "--device", "cpu", "--out", scratch.Location]));

        Assert.Equal(0, code);
        Assert.Matches(@"\(\d+\.\d s\)", output);
        Assert.DoesNotMatch(@"\(\d+,\d s\)", output);
    }

    [Fact]
    public async Task An_out_that_is_a_file_is_refused_as_a_usage_error_before_any_check_runs()
    {
        using var scratch = new ScratchDirectory("check-device-out-file");
        Directory.CreateDirectory(scratch.Location);
        string file = Path.Combine(scratch.Location, "Doe_Jane.txt");
        File.WriteAllText(file, "not a folder");

        var (code, output) = await StandardError.CaptureAll(["check-device", "--device", "cpu", "--out", file]);

        Assert.Equal(2, code);
        Assert.StartsWith("error: --out is a file; give a folder for device-check.json", output.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", output, StringComparison.Ordinal); // named by the option: paths can carry patient names
        // Refused before the checks: none of them ran, and the file is as it was.
        Assert.DoesNotContain("pass", output, StringComparison.Ordinal);
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void A_failing_check_is_reported_with_its_error_and_the_others_still_run()
    {
        var results = DeviceChecks.Run(CPU, [("breaks", _ => throw new InvalidOperationException("no kernel for this")), ("works", _ => "fine")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([false, true], results.Select(r => r.Passed));
        Assert.Equal("InvalidOperationException: no kernel for this", results[0].Detail);
        Assert.Equal("fine", results[1].Detail);
    }

    [Fact]
    public async Task A_cancelled_check_device_exits_130_with_one_line_and_writes_no_report()
    {
        using var scratch = new ScratchDirectory("check-device-cancelled");

        var (code, error) = await StandardError.CaptureCancelled(["check-device", "--device", "cpu", "--out", scratch.Location]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: check-device stopped before the end; device-check.json was not written.", error.Trim());
        Assert.False(File.Exists(Path.Combine(scratch.Location, "device-check.json")));
    }

    [Fact]
    public void Cancelling_during_a_check_runs_no_further_check_and_is_not_reported_as_a_failure()
    {
        using var cancellation = new CancellationTokenSource();
        var reported = new List<string>();
        bool secondRan = false;

        Assert.ThrowsAny<OperationCanceledException>(() => DeviceChecks.Run(
            CPU,
            [("first", _ =>
            {
                cancellation.Cancel();
                return "done";
            }), ("second", _ =>
            {
                secondRan = true;
                return "done";
            })],
            r => reported.Add(r.Name),
            cancellation.Token));

        Assert.Equal(["first"], reported);
        Assert.False(secondRan);
    }

    [Fact]
    public async Task Cuda_ends_with_code_2_on_a_machine_without_it_and_passes_every_check_on_a_machine_with_it()
    {
        using var scratch = new ScratchDirectory("check-device-cuda");

        var (code, error) = await StandardError.Capture(["check-device", "--device", "cuda", "--out", scratch.Location]);

        if (!cuda.is_available())
        {
            // CI: a device that cannot be used is a usage error, on stderr like every verb's.
            Assert.Equal(2, code);
            Assert.StartsWith("error: --device: Device 'cuda' was requested but CUDA is not available", error, StringComparison.Ordinal);
            return;
        }

        // A GPU machine: the same checks as on the CPU must pass there, not be skipped.
        Assert.Equal(0, code);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(scratch.Location, "device-check.json")));
        var checks = report.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(DeviceChecks.Standard.Select(c => c.Name), checks.Select(c => c.GetProperty("Name").GetString()));
        Assert.All(checks, c => Assert.True(c.GetProperty("Passed").GetBoolean(), c.GetProperty("Detail").GetString()));
    }
}
