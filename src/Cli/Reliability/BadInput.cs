namespace Synomaly.Cli.Reliability;

/// <summary>One file of the bad-input corpus: its content, the extension it is uploaded with and the reason it must fail with.</summary>
/// <param name="Name">A short name for tables (never sent to the pipeline: uploads carry only the extension).</param>
/// <param name="ExpectedCode">The job's error code when the pipeline handles it right (intake or worker code).</param>
/// <param name="RejectedAtIntake">True when the trigger refuses it from its properties or first bytes, so no message is
/// sent; otherwise the worker rejects it and dead-letters the message.</param>
public sealed record BadInput(string Name, string Extension, byte[] Content, string ExpectedCode, string Description, bool RejectedAtIntake);
