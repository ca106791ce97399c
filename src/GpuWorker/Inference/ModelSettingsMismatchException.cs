namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// The model package's card names another model than the settings (Model__Name, Model__Version): the folder uploaded to
/// models/{name}/{version}/ holds a card trained or imported under another name or version. The message holds the four
/// names only, so the worker logs it: without it, a deployment whose card says demo-v8 under a v1 setting failed liveness
/// for ever with nothing but an exception type in the logs.
/// </summary>
public sealed class ModelSettingsMismatchException : InvalidOperationException
{
    public ModelSettingsMismatchException(string cardName, string cardVersion, string settingsName, string settingsVersion)
        : base($"The model package's card is {cardName} {cardVersion}; the settings name {settingsName} {settingsVersion}. Upload the package to models/{cardName}/{cardVersion}/ and set Model__Version to {cardVersion}, or export the model with --version {settingsVersion}.")
    {
    }

    public ModelSettingsMismatchException()
    {
    }

    public ModelSettingsMismatchException(string message)
        : base(message)
    {
    }

    public ModelSettingsMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
