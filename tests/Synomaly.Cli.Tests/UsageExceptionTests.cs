using Synomaly.Diffusion;

namespace Synomaly.Cli.Tests;

/// <summary>How a command turns a library's refusal of its command line into a usage error (exit 2).</summary>
public sealed class UsageExceptionTests
{
    [Fact]
    public void A_plain_argument_refusal_of_a_check_becomes_a_usage_error_with_its_sentence()
    {
        var error = Assert.Throws<UsageException>(() => UsageException.Guard(() => throw new ArgumentException("Unknown modality 'x-ray'.", "name")));

        Assert.Equal("Unknown modality 'x-ray'.", error.Message);
        Assert.IsType<ArgumentException>(error.InnerException);
    }

    [Fact]
    public void An_invalid_option_passes_as_it_is_for_the_runner_to_name_and_a_null_argument_stays_a_bug()
    {
        Assert.Throws<InvalidOptionException>(() => UsageException.Guard(() => throw new InvalidOptionException("BlurKernel", 4, "Odd.")));
        Assert.Throws<ArgumentNullException>(() => UsageException.Guard(() => throw new ArgumentNullException("model")));
        Assert.Equal(3, UsageException.Guard(() => 3));
    }
}
