using System.CommandLine;
using Synomaly.Cli.Commands;

namespace Synomaly.Cli;

/// <summary>The root of the synomaly command line; each verb lives in its own class under Commands/.</summary>
public static class SynomalyCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Synomaly.Cloud: unsupervised anomaly detection in medical scans with multi-stage diffusion.");
        root.Subcommands.Add(UpCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(SoakCommand.Create());
        root.Subcommands.Add(DetectCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(ImportWeightsCommand.Create());
        root.Subcommands.Add(VerifyReferenceCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvaluationCommands.Tune());
        root.Subcommands.Add(EvaluationCommands.Evaluate());
        root.Subcommands.Add(VerifySetCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(CheckDeviceCommand.Create());
        return root;
    }
}
