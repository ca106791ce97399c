using System.Runtime.CompilerServices;
using Synomaly.Cli.Local;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The environment the whole test process runs in, set before any test (or the runner) starts: a variable a developer
/// exported for their own use must not point these tests at something other than this checkout.
/// </summary>
internal static class TestProcessEnvironment
{
    /// <summary>
    /// Forgets <see cref="RepositoryPaths.RepositoryVariable"/>, which scripts/demo.sh sets and a developer may export to
    /// run another checkout's demo: the demo, up and soak tests run in this process, and the CLIs and scripts they start
    /// inherit its environment, so they would all take that checkout's samples, scripts and built hosts, and test its
    /// binaries rather than the ones built here. Tests that name a checkout pass it to them explicitly.
    /// </summary>
    [ModuleInitializer]
    internal static void ForgetTheNamedRepository() => Environment.SetEnvironmentVariable(RepositoryPaths.RepositoryVariable, null);
}
