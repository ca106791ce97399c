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
    public void A_failing_check_is_reported_with_its_error_and_the_others_still_run()
    {
        var results = DeviceChecks.Run(CPU, [("breaks", _ => throw new InvalidOperationException("no kernel for this")), ("works", _ => "fine")]);

        Assert.Equal([false, true], results.Select(r => r.Passed));
        Assert.Equal("InvalidOperationException: no kernel for this", results[0].Detail);
        Assert.Equal("fine", results[1].Detail);
    }

    [Fact]
    public async Task Cuda_ends_with_code_2_on_a_machine_without_it_and_passes_every_check_on_a_machine_with_it()
    {
        using var scratch = new ScratchDirectory("check-device-cuda");

        int code = await CommandRunner.RunAsync(["check-device", "--device", "cuda", "--out", scratch.Location]);

        if (!cuda.is_available())
        {
            Assert.Equal(2, code); // CI: a device that cannot be used is refused
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
