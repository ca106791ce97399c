using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Cli.Commands;

/// <summary>
/// train --init-from, checked before any data is read: the saved model's card must be readable and describe the network
/// train's model options build, else a usage error (exit 2) naming --init-from and, for another network, the option that
/// differs. Before, the weights were loaded only once the data was read, and either refusal failed the run (exit 1).
/// </summary>
public static class TrainInitFromCheck
{
    public static void Require(string? initFrom, string checkpointDirectory, UNetConfig config)
    {
        // A resume ignores --init-from: the checkpoint holds the weights, and only the card's lineage is read.
        if (initFrom is null || TrainingCheckpoint.Exists(checkpointDirectory))
        {
            return;
        }

        ModelCard card;
        try
        {
            card = ModelPackage.LoadCard(initFrom);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidModelConfigException)
        {
            throw new UsageException($"--init-from: cannot read the saved model's card: {ModelLoadRefusal.Reason(e)}", e);
        }

        // Compared as the network uses them (ModelConfigDifference), so the option to give can be named; ModelPackage.LoadWeights
        // still refuses any other difference of the records when the run loads the weights.
        if (ModelConfigDifference.Between(card.Architecture, config) is { } difference)
        {
            string remedy = difference.Option is { } option ? $"give {option} {difference.Recorded}" : "give its model configuration";
            throw new UsageException(
                $"--init-from: the saved model was trained with {difference.Argument} {difference.Recorded}, the run asks for {difference.Requested}: {remedy}, or start from another model.");
        }
    }
}
