namespace Synomaly.Imaging.Outputs;

/// <summary>One result file: its name relative to the scan's results folder (for example "overlays/0003.png"), bytes and content type.</summary>
public sealed record RenderedFile(string Name, byte[] Content, string ContentType);
