using System.Globalization;
using Synomaly.Cli.Local;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Weights;
using Synomaly.Evaluation;
using Synomaly.Imaging.Dicom;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The line the command runner prints for a failure: an <see cref="ArgumentException"/>'s own sentence, without the
/// " (Parameter 'name')" that .NET appends to its message, and an out-of-range value on the same line.
/// </summary>
public sealed class ErrorLineTests
{
    [Fact]
    public void An_argument_exception_is_printed_without_the_parameter_net_appends()
    {
        var error = new ArgumentException("The blur kernel size must be a positive odd number.", "BlurKernel");

        Assert.EndsWith("(Parameter 'BlurKernel')", error.Message, StringComparison.Ordinal);
        Assert.Equal("The blur kernel size must be a positive odd number.", ErrorLine.Of(error));
    }

    [Fact]
    public void Only_the_suffix_for_the_exception_s_own_parameter_is_removed()
    {
        // A sentence that quotes the wording itself, or names another parameter, keeps it.
        var quoting = new ArgumentException("Keep (Parameter 'other') here.", "name");
        var unnamed = new ArgumentException("--steps 0 is refused (Parameter 'steps')");

        Assert.Equal("Keep (Parameter 'other') here.", ErrorLine.Of(quoting));
        Assert.Equal("--steps 0 is refused (Parameter 'steps')", ErrorLine.Of(unnamed));
    }

    [Fact]
    public void An_out_of_range_value_stays_on_the_same_line()
    {
        var error = new ArgumentOutOfRangeException("sigma", -1.5, "The blur sigma must be a positive finite number.");

        Assert.Contains('\n', error.Message);
        Assert.Equal("The blur sigma must be a positive finite number. Actual value was -1.5.", ErrorLine.Of(error));
    }

    [Fact]
    public void The_suffix_is_found_in_the_culture_the_message_is_read_in()
    {
        var original = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal("Nicht erlaubt.", ErrorLine.Of(new ArgumentException("Nicht erlaubt.", "steps")));
        }
        finally
        {
            CultureInfo.CurrentUICulture = original;
        }
    }

    [Fact]
    public void An_invalid_option_is_named_by_the_verb_s_option_and_kept_as_the_library_words_it_where_the_verb_has_none()
    {
        var error = new InvalidOptionException("BlurKernel", 4, "The blur kernel size must be a positive odd number.");

        Assert.Equal("--k: The blur kernel size must be a positive odd number (got 4).", ErrorLine.Of(error, "tune"));
        Assert.Equal("--blur-kernel: The blur kernel size must be a positive odd number (got 4).", ErrorLine.Of(error, "import-weights"));
        Assert.Equal("The blur kernel size must be a positive odd number. (BlurKernel = 4)", ErrorLine.Of(error, "evaluate"));
    }

    [Fact]
    public void A_null_argument_keeps_its_name_the_only_thing_its_message_says_and_other_errors_are_unchanged()
    {
        Assert.Equal(new ArgumentNullException("model").Message, ErrorLine.Of(new ArgumentNullException("model")));
        Assert.Equal("disk full", ErrorLine.Of(new IOException("disk full")));
    }

    [Fact]
    public void A_file_system_failure_of_a_verb_is_told_by_the_verb_and_its_kind_never_by_the_path_net_quotes()
    {
        var denied = new UnauthorizedAccessException("Access to the path '/data/Doe_Jane/out/report.json' is denied.");
        var full = new IOException("No space left on device : '/data/Doe_Jane/out/plots/roc.png'");

        Assert.Equal(
            "evaluate: cannot read or write a file: access denied (UnauthorizedAccessException); SYNOMALY_DEBUG=1 shows the full error",
            ErrorLine.Of(denied, "evaluate"));
        Assert.Equal("tune: cannot read or write a file: an I/O error (IOException); SYNOMALY_DEBUG=1 shows the full error", ErrorLine.Of(full, "tune"));
    }

    [Fact]
    public void An_input_failure_no_command_guarded_is_told_by_its_option_as_a_guarded_one_is()
    {
        // A read of an input's files that a command did not guard (one long after the listing): before, the last-resort
        // line said "tune: cannot read or write a file: an I/O error (InputListingException)", hiding both the option the
        // exception carries and the failure beneath.
        var unreadable = new InputListingException("A file of the input given to --data cannot be read.", new UnauthorizedAccessException("Access to the path '/data/Doe_Jane/a.png' is denied."))
        {
            Option = "--data",
        };
        var missing = new InputNotFoundException("No file, folder or pattern matches '/data/Doe_Jane'.") { Option = "--healthy" };

        Assert.Equal("cannot read the input given to --data (UnauthorizedAccessException); SYNOMALY_DEBUG=1 shows the full error", ErrorLine.Of(unreadable, "tune"));
        Assert.Equal("no file, folder or pattern matches the input given to --healthy (InputNotFoundException); SYNOMALY_DEBUG=1 shows the full error", ErrorLine.Of(missing, "evaluate"));
    }

    [Fact]
    public void The_project_s_own_errors_whose_messages_name_no_path_keep_their_text()
    {
        // File-system types by descent (callers that retry or refuse I/O failures catch them), written to name no path.
        var missing = new MissingModelFileException("No model-card.json in the model folder.", "/data/Doe_Jane/model/model-card.json");
        var transcoder = new DicomTranscoderFaultException("The DICOM transcoder could not be started.");
        var setup = new LocalSetupException("Run synomaly from inside the Synomaly.Cloud repository (no Synomaly.Cloud.sln found above the current folder).");
        var reader = new InvalidDataException("The slice has no finite grey range to insert a lesion into.");

        Assert.Equal(missing.Message, ErrorLine.Of(missing, "detect"));
        Assert.Equal(transcoder.Message, ErrorLine.Of(transcoder, "inspect"));
        Assert.Equal(setup.Message, ErrorLine.Of(setup, "up"));
        Assert.Equal(reader.Message, ErrorLine.Of(reader, "evaluate"));
    }
}
