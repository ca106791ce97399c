namespace Synomaly.Contracts;

/// <summary>Inference profile names that mean something to every component, whatever the model card holds.</summary>
public static class InferenceProfileNames
{
    /// <summary>
    /// The alias a job carries when it asks for the model card's default profile (intake sends it unless told otherwise).
    /// A card may also hold a profile of that name (an imported checkpoint's), which it then means; otherwise the worker
    /// resolves it to the card's <c>default_profile</c>, and results name the profile that ran, never the alias.
    /// </summary>
    public const string Default = "default";
}
