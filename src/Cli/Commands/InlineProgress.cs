namespace Synomaly.Cli.Commands;

/// <summary>
/// Progress reported on the loop's own thread, each report passed on at once and in order: <see cref="Progress{T}"/> posts
/// its reports to the thread pool, where one could arrive after the loop's end and set a progress bar back.
/// </summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
