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
    public async Task A_device_that_cannot_be_used_ends_with_code_2()
    {
        if (cuda.is_available())
        {
            return; // the refusal below needs a machine without CUDA; CI has none
        }

        int code = await CommandRunner.RunAsync(["check-device", "--device", "cuda"]);

        Assert.Equal(2, code);
    }
}
