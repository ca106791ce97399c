using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Training;

namespace Synomaly.Cli.Commands;

/// <summary>
/// A train run into a folder whose checkpoint another configuration made, refused before any data is read: a usage error
/// (exit 2) that names the option whose value differs, as typed (error: --model-channels: The checkpoint in ...). The
/// checkpoint's own checks (<see cref="TrainingCheckpoint.RequireSameModel"/>, <see cref="TrainingCheckpoint.RequireSameRun"/>)
/// decide; before, the run-option ones ran only when the trainer loaded the checkpoint, after the data was read, and every
/// refusal failed the run (exit 1) as if the data were at fault.
/// </summary>
public static class TrainResumeCheck
{
    /// <summary>Refuses a resume with another network (model options) or another run (seed, precision, modality, noise, region mask, sampling, EMA).</summary>
    public static void Require(string checkpointDirectory, UNetConfig config, TrainingOptions options)
    {
        try
        {
            // The network first: weights of the same shapes (another --size, for one) would otherwise load silently.
            TrainingCheckpoint.RequireSameModel(checkpointDirectory, config);
            TrainingCheckpoint.RequireSameRun(checkpointDirectory, options);
        }
        catch (TrainingCheckpointMismatchException e)
        {
            throw new UsageException(e.Option is { } option ? $"{option}: {e.Message}" : e.Message, e);
        }
    }
}
