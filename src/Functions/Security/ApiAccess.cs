namespace Synomaly.Functions.Security;

/// <summary>Who an HTTP operation is for, and so which app roles admit a caller to it (docs/API.md, "Authentication").</summary>
public enum ApiAccess
{
    /// <summary>An upload portal's work on single scans: start an upload, read a scan's status and result links.</summary>
    Portal,

    /// <summary>Work on any or all scans: list them, erase, retry, reprocess the archive.</summary>
    Operator,
}

/// <summary>The app roles of the API's registration in Entra ID, as they appear in the caller's roles claim.</summary>
public static class ApiRoles
{
    /// <summary>Upload portals: <see cref="ApiAccess.Portal"/> operations only.</summary>
    public const string Portal = "Scans.ReadWrite";

    /// <summary>Operators and their tools: every operation (an operator who may erase any scan may also read one).</summary>
    public const string Operator = "Scans.Operate";

    /// <summary>The roles of which a caller needs one for an operation of <paramref name="access"/>.</summary>
    public static IReadOnlyList<string> Admitting(ApiAccess access) => access switch
    {
        ApiAccess.Portal => [Portal, Operator],
        ApiAccess.Operator => [Operator],
        _ => throw new ArgumentOutOfRangeException(nameof(access), access, null),
    };
}
