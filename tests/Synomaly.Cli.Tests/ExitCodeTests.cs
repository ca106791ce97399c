using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The exit codes every verb shares (README, "The synomaly command"): 2 for a command line that is wrong, whether the parser,
/// an option's validator or the command before its work refuses it; 1 for a run that failed.
/// </summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed class ExitCodeTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new("exit-codes");

    public void Dispose() => _scratch.Dispose();

    private static string Slices => Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val");

    private string Output => Path.Combine(_scratch.Location, "out");

    [Fact]
    public async Task Parse_and_validation_errors_exit_2_with_the_error_on_stderr_and_nothing_run()
    {
        string[][] wrong =
        [
            ["no-such-verb"],
            ["detect"],
            ["train", Slices, "--out", Output, "--sampling", "foo"],
            ["verify-reference", TestPaths.ReferenceFixtures, "--tolerance", "0"],
            ["evaluate", "--model", Output, "--data", Slices, "--lesions-per-slice", "0", "--out", Output],
            ["soak", "--jobs", "0", "--out", Output],
        ];

        foreach (string[] arguments in wrong)
        {
            var (code, error) = await StandardError.Capture(arguments);

            Assert.True(code == 2, $"{string.Join(' ', arguments)} exited {code}");
            Assert.False(string.IsNullOrWhiteSpace(error), $"{string.Join(' ', arguments)} said nothing on stderr");
        }

        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public async Task A_parse_error_and_the_help_with_it_are_in_english_on_a_machine_set_to_another_language()
    {
        // System.CommandLine ships its help headings in German too, which mixed with the English option descriptions.
        var (code, output) = await GermanCulture.Run(() => StandardError.CaptureAll(["train", Slices, "--out", Output, "--steps", "abc"]));

        Assert.Equal(2, code);
        Assert.Contains("Cannot parse argument 'abc' for option '--steps'", output, StringComparison.Ordinal);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Nutzung:", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output));
    }

    [Theory]
    [InlineData("--noise", "foo", "Unknown noise preset 'foo'")]
    [InlineData("--modality", "x-ray", "Unknown modality 'x-ray'")]
    [InlineData("--size", "33", "--size 33 needs an explicit --channel-mult")]
    [InlineData("--max-minutes", "-1", "--max-minutes must be 0")]
    public async Task An_option_value_a_command_refuses_before_its_work_exits_2_as_a_usage_error(string option, string value, string named)
    {
        var (code, error) = await StandardError.Capture(["train", Slices, "--out", Output, option, value]);

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output), "nothing may be trained after a refused option");
    }

    [Theory]
    [InlineData("--ema", "1", "error: --ema: The EMA decay (--ema) must be in [0, 1): 0 is off (got 1).")]
    [InlineData("--steps", "0", "error: --steps: The number of training steps (--steps) must be at least 1 (got 0).")]
    [InlineData("--batch", "0", "error: --batch: The batch size (--batch) must be at least 1 (got 0).")]
    [InlineData("--checkpoint-every", "0", "error: --checkpoint-every: The checkpoint interval (--checkpoint-every) must be at least 1 step (got 0).")]
    [InlineData("--max-timestep", "-1", "error: --max-timestep: The largest training timestep (--max-timestep) must be at least 0 (0: the whole schedule) (got -1).")]
    [InlineData("--precision", "int8", "error: --precision: The training precision must be fp32, bf16 or fp16 (got int8).")]
    [InlineData("--noise-threshold", "300", "error: --noise-threshold: The anomaly threshold must be at least 0 and below 255 (it applies to the blur rescaled to 0..255) (got 300).")]
    public async Task An_option_the_library_refuses_is_one_line_naming_the_option_the_user_typed(string option, string value, string expected)
    {
        var (code, error) = await StandardError.Capture(["train", Slices, "--out", Output, option, value]);

        Assert.Equal(2, code);
        Assert.Equal(expected, error.Trim());
        Assert.False(Directory.Exists(Output), "nothing may be trained after a refused option");
    }

    [Theory]
    [InlineData("demo", "0")]
    [InlineData("demo", "-5")]
    [InlineData("soak", "0")]
    public async Task A_pipeline_wait_of_no_minutes_is_refused_by_the_parser_before_anything_starts(string verb, string minutes)
    {
        string[] arguments = [verb, "--timeout-minutes", minutes, "--out", Output];

        // Checked on the parse first: without the validator the verb would go on to start Azurite and the hosts.
        var refusal = Assert.Single(SynomalyCommand.Create().Parse(arguments).Errors);
        var (code, error) = await StandardError.Capture(arguments);

        Assert.Equal($"--timeout-minutes must be at least 1 (got {minutes}).", refusal.Message);
        Assert.Equal(2, code);
        Assert.Contains(refusal.Message, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public async Task A_run_that_fails_exits_1_and_inspect_keeps_its_own_codes()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_scratch.Location, "empty")).FullName;

        var (failed, error) = await StandardError.Capture(["verify-reference", empty, "--device", "cpu"]);

        Assert.Equal(1, failed);
        Assert.Equal("error: No *unet_checkpoint.pt in the reference folder.", error.Trim());
        Assert.Equal(1, await CommandRunner.RunAsync(["inspect", Path.Combine(empty, "missing.png")])); // FORMATS.md: 1 when the path does not exist
    }
}
