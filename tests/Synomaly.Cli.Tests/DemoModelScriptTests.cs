using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// scripts/demo-model.sh is the one command a lent GPU session runs to make the demo model (docs/EVALUATION.md, "A GPU
/// run"); such a session is rare and short, so the script must not rot between them. It runs here with a tiny model, a
/// few steps and a grid of two T values and two thresholds, against the CLI the solution build made.
/// </summary>
public sealed class DemoModelScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("synomaly-demo-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_run_cut_off_after_training_has_already_saved_the_model_and_a_second_call_tunes_and_evaluates_it()
    {
        string output = Path.Combine(_dir, "run"), saved = Path.Combine(_dir, "saved");

        // A grid the tune command refuses stands in for a run stopped during tuning (a device call at its time limit).
        var cutOff = await RunScriptAsync(output, saved, theta: "not-a-number");
        Assert.NotEqual(0, cutOff.ExitCode);
        Assert.Contains("== saved train/model", cutOff.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(saved, "evaluated.tar.part-*"));
        string trained = Unpack(saved, "trained");
        Assert.True(File.Exists(Path.Combine(trained, "train", "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(trained, "train", "loss.csv")));

        var completed = await RunScriptAsync(output, saved, theta: "0.15,0.2");
        Assert.True(completed.ExitCode == 0, completed.Output);
        string evaluated = Unpack(saved, "evaluated");
        var card = JsonNode.Parse(File.ReadAllText(Path.Combine(evaluated, "model", "model-card.json")))!;
        var profile = card["inference_profiles"]![card["default_profile"]!.GetValue<string>()]!;
        // The card holds tune's winner: the best row of its own ranking (tuning.json, best first), over both T values.
        var rows = JsonNode.Parse(File.ReadAllText(Path.Combine(evaluated, "tuning", "tuning.json")))!.AsArray();
        var tried = rows.Select(row => Setting(row!, "t")).ToHashSet();
        Assert.True(tried.SetEquals([60, 100]), $"tune tried t = {string.Join(", ", tried)}");
        var best = rows[0]!;
        Assert.Equal(Setting(best, "t"), profile["timesteps"]![0]!.GetValue<int>());
        Assert.Equal(Setting(best, "θ"), profile["threshold"]!.GetValue<double>());
        Assert.NotNull(card["metrics"]?["reporting.adaptive.dice"]); // evaluated once on the reporting half, recorded in the card
        Assert.True(File.Exists(Path.Combine(evaluated, "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(evaluated, "evaluation", "evaluation.json")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(evaluated, "tuning"), "*.md"));
    }

    [Fact]
    public async Task Stopping_the_script_stops_the_step_it_is_running()
    {
        // A stand-in for the CLI that records its process id and waits: the script's first step (train) runs it.
        string stepPidFile = Path.Combine(_dir, "step.pid"), fakeCli = Path.Combine(_dir, "fake-cli.sh"), data = Path.Combine(_dir, "data");
        File.WriteAllText(fakeCli, "echo $$ > \"$STEP_PID_FILE\"\nexec sleep 300\n");
        Directory.CreateDirectory(Path.Combine(data, "train"));
        Directory.CreateDirectory(Path.Combine(data, "val"));
        string lesions = Path.Combine(_dir, "lesions.nii.gz");
        File.WriteAllText(lesions, "");
        var info = new ProcessStartInfo("bash", [Path.Combine(TestPaths.RepositoryRoot, "scripts", "demo-model.sh"), Path.Combine(_dir, "run")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["SYNOMALY"] = "bash " + fakeCli;
        info.Environment["STEP_PID_FILE"] = stepPidFile;
        info.Environment["DATA"] = data;
        info.Environment["LESIONS"] = lesions;
        using var script = Process.Start(info)!;
        var output = Task.WhenAll(script.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken), script.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
        int stepPid = 0;
        try
        {
            stepPid = await WaitForPidAsync(stepPidFile);
            Process.Start("kill", ["-TERM", script.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            guard.CancelAfter(TimeSpan.FromSeconds(30));
            await script.WaitForExitAsync(guard.Token);

            Assert.Equal(143, script.ExitCode);
            Assert.False(Directory.Exists($"/proc/{stepPid}"), $"the step (pid {stepPid}) kept running after the script stopped: {string.Concat(await output)}");
        }
        finally
        {
            script.Kill(entireProcessTree: true);
            if (stepPid != 0 && Directory.Exists($"/proc/{stepPid}"))
            {
                Process.GetProcessById(stepPid).Kill();
            }
        }
    }

    [Fact]
    public async Task The_default_cli_is_found_in_a_repository_whose_path_holds_a_space()
    {
        // A copy of the script in a repository folder with a space, and a stand-in dotnet on PATH that records its first argument.
        string root = Path.Combine(_dir, "a repo"), bin = Path.Combine(_dir, "bin"), argFile = Path.Combine(_dir, "arg"), data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(Path.Combine(root, "scripts"));
        File.Copy(Path.Combine(TestPaths.RepositoryRoot, "scripts", "demo-model.sh"), Path.Combine(root, "scripts", "demo-model.sh"));
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "dotnet"), "#!/usr/bin/env bash\nprintf '%s' \"$1\" > \"$ARG_FILE\"\nexit 1\n");
        using (var chmod = Process.Start("chmod", ["+x", Path.Combine(bin, "dotnet")]))
        {
            await chmod.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        Directory.CreateDirectory(Path.Combine(data, "train"));
        Directory.CreateDirectory(Path.Combine(data, "val"));
        string lesions = Path.Combine(_dir, "lesions.nii.gz");
        File.WriteAllText(lesions, "");
        var info = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "demo-model.sh"), Path.Combine(_dir, "run")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment.Remove("SYNOMALY");
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["ARG_FILE"] = argFile;
        info.Environment["DATA"] = data;
        info.Environment["LESIONS"] = lesions;

        var (_, output) = await ChildProcess.RunAsync(info, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.True(File.Exists(argFile), $"the stand-in dotnet never ran: {output}");
        Assert.Equal(Path.Combine(root, "src", "Cli", "bin", "Release", "net10.0", "Synomaly.Cli.dll"), File.ReadAllText(argFile));
    }

    private static async Task<int> WaitForPidAsync(string file)
    {
        for (int attempt = 0; attempt < 600; attempt++)
        {
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out int pid))
            {
                return pid;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"The script's first step never started ({file} not written in 60 s).");
    }

    /// <summary>A number from a tuning row's settings ("adaptive t=100, k=3, θ=0.15, ..."): t or θ.</summary>
    private static double Setting(JsonNode row, string name)
    {
        string settings = row["Settings"]!.GetValue<string>();
        var match = Regex.Match(settings, $@"\b{name}=([0-9.]+)", RegexOptions.CultureInvariant);
        Assert.True(match.Success, $"no {name}= in tuning row '{settings}'");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<(int ExitCode, string Output)> RunScriptAsync(string output, string saved, string theta)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(TestPaths.RepositoryRoot, "scripts", "demo-model.sh"), output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        var settings = new Dictionary<string, string>
        {
            ["DEVICE"] = "cpu", ["STEPS"] = "3", ["MINUTES"] = "2", ["SIZE"] = "32", ["CHANNELS"] = "32", ["MULT"] = "1,2",
            ["RES_BLOCKS"] = "1", ["ATTENTION"] = "2", ["HEADS"] = "32", ["BATCH"] = "2", ["GRID"] = "custom", ["T"] = "60,100",
            ["K"] = "3", ["THETA"] = theta, ["DRAWS"] = "1", ["MIN_COMPONENT"] = "2", ["SAVE_TO"] = saved,
        };
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        // A guard against a hang, not a speed target: on an idle 2-core machine a call takes a few minutes at most, but a
        // loaded one (the whole suite beside it, or other builds) stretched a call past 8 minutes.
        return await ChildProcess.RunAsync(info, TimeSpan.FromMinutes(20), TestContext.Current.CancellationToken);
    }

    /// <summary>Joins NAME.tar.part-* in order and unpacks them into a fresh folder, as one does after a device run.</summary>
    private string Unpack(string saved, string name)
    {
        var parts = Directory.GetFiles(saved, name + ".tar.part-*").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(parts);
        string archive = Path.Combine(_dir, name + ".tar"), target = Path.Combine(_dir, "unpacked-" + name);
        using (var joined = File.Create(archive))
        {
            foreach (var part in parts)
            {
                using var stream = File.OpenRead(part);
                stream.CopyTo(joined);
            }
        }

        Directory.CreateDirectory(target);
        System.Formats.Tar.TarFile.ExtractToDirectory(archive, target, overwriteFiles: false);
        return target;
    }
}
