using System.Text.Json;
using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>Where the templates, their golden snapshots and the compiled ARM JSON live.</summary>
internal static class InfraFiles
{
    public static string InfraDirectory => Path.Combine(TestPaths.RepositoryRoot, "infra");

    public static string SnapshotDirectory => Path.Combine(InfraDirectory, "snapshots");

    public static string ArmDirectory => BuildOutputs.Get(typeof(InfraFiles).Assembly, "ArmOutputDirectory");

    public static string BicepPath => BuildOutputs.Get(typeof(InfraFiles).Assembly, "BicepPath");

    public static string FunctionsAssembly => BuildOutputs.Get(typeof(InfraFiles).Assembly, "FunctionsAssembly");

    public static string GpuWorkerAssembly => BuildOutputs.Get(typeof(InfraFiles).Assembly, "GpuWorkerAssembly");

    /// <summary>The parameter files (main.dev, main.prod, ...) by name without extension.</summary>
    public static IReadOnlyList<string> ParameterFiles =>
        [.. Directory.GetFiles(InfraDirectory, "*.bicepparam").Select(Path.GetFileNameWithoutExtension).Order()!];

    public static TheoryData<string> ParameterFileData => [.. ParameterFiles];

    public static string CompiledTemplateText => File.ReadAllText(Path.Combine(ArmDirectory, "main.json"));

    public static JsonDocument CompiledTemplate() => JsonDocument.Parse(CompiledTemplateText);
}
