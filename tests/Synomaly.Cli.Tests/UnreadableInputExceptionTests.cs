using Synomaly.Cli.Commands;
using Synomaly.Evaluation;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The line a command prints for an input it cannot read: by the option the input was given to, never by its path. Tests
/// run as root, whom no folder permission stops, so the failure a folder without read permission gives
/// (<see cref="InputFiles"/>' <see cref="InputListingException"/> around .NET's UnauthorizedAccessException, whose
/// message quotes the path) is thrown as it comes.
/// </summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed class UnreadableInputExceptionTests
{
    [Theory]
    [InlineData("--healthy")]
    [InlineData("--masks")]
    [InlineData("<input>")]
    public void An_input_folder_that_cannot_be_listed_is_named_by_its_option_never_by_its_path(string option)
    {
        // Before: "cannot read the input (InputListingException)", or, with the bare .NET error, "(UnauthorizedAccessException)":
        // of a command's several inputs, which one, it did not say, where "not found" named it.
        var denied = new UnauthorizedAccessException("Access to the path '/data/Doe_Jane' is denied.");

        var refused = Assert.Throws<UnreadableInputException>(() =>
            UnreadableInputException.Guard<IReadOnlyList<string>>(() => throw new InputListingException("The input cannot be listed.", denied) { Option = option }));

        Assert.Equal($"cannot read the input given to {option} (UnauthorizedAccessException); SYNOMALY_DEBUG=1 shows the full error", refused.Message);
    }
}
