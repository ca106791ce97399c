namespace Synomaly.Cli.Bench;

/// <summary>What one model variant produced on the parity inputs, on the host: ε outputs, final maps after one stage and after the adaptive process, and stages run.</summary>
public sealed record ParityOutputs(float[] Eps, float[] SingleStageMaps, float[] AdaptiveMaps, int[] StagesRun);
