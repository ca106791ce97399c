using Synomaly.Diffusion.Weights;

namespace Synomaly.Cli.Commands;

/// <summary>
/// import-weights was given an output folder that already holds a model package: importing would replace its weights and
/// card, and with them whatever was trained, tuned or recorded there. <see cref="ArgumentException.ParamName"/> is "outdir";
/// the command runner prints the sentence alone (<see cref="ErrorLine"/>). The sentence names the folder by that argument,
/// never by its path: model folders may be named after a patient, and this line is pasted into tickets.
/// </summary>
public sealed class ModelPackageExistsException : ArgumentException
{
    /// <summary>The refusal, told by the argument that names the folder.</summary>
    public ModelPackageExistsException()
        : this($"outdir already holds a model package ({ModelPackage.CardFile} or {ModelPackage.WeightsFile}); choose another folder, or give --force to replace it.")
    {
    }

    public ModelPackageExistsException(string message)
        : base(message, "outdir")
    {
    }

    public ModelPackageExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws when <paramref name="outputDirectory"/> holds a model card or weights.</summary>
    public static void ThrowIfPackageIn(string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(outputDirectory);
        if (File.Exists(Path.Combine(outputDirectory, ModelPackage.CardFile)) || File.Exists(Path.Combine(outputDirectory, ModelPackage.WeightsFile)))
        {
            throw new ModelPackageExistsException();
        }
    }
}
