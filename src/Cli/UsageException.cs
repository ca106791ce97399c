using Synomaly.Diffusion;

namespace Synomaly.Cli;

/// <summary>
/// A command refused its command line before its work began (a value out of range, options that do not go together, an
/// --out that cannot be used): a usage error, exit code 2 (<see cref="CommandRunner.UsageError"/>). Commands throw it for
/// their own checks, and turn a library's refusal of an option into it with <see cref="Guard"/>; an ArgumentException of any
/// other origin was raised while the command ran (TorchSharp refusing a tensor)
/// and fails the run (exit 1).
/// </summary>
public sealed class UsageException : ArgumentException
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Runs <paramref name="check"/>, a check of the command line that a library makes with a plain ArgumentException
    /// (TrainingOptions' --steps, TrainingModality's --modality), and turns its refusal into a usage error with the same
    /// sentence. An <see cref="InvalidOptionException"/> passes as it is: the runner names its option (<see cref="OptionNames"/>).
    /// </summary>
    public static void Guard(Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        Guard<object?>(() =>
        {
            check();
            return null;
        });
    }

    /// <inheritdoc cref="Guard(Action)"/>
    public static T Guard<T>(Func<T> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            return check();
        }
        catch (ArgumentException e) when (e is not (InvalidOptionException or ArgumentNullException or UsageException))
        {
            // A null argument is a bug in the caller, not a value the user gave.
            throw new UsageException(ErrorLine.Of(e), e);
        }
    }
}
