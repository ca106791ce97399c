using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Decompresses DICOM files with command-line tools found on PATH: gdcm's <c>gdcmconv --raw</c> (JPEG, JPEG-LS,
/// JPEG 2000), else dcmtk's <c>dcmdjpeg</c> (JPEG incl. lossless and 12-bit) and <c>dcmdjpls</c> (JPEG-LS). The container
/// image may carry them (Debian packages libgdcm-tools, dcmtk); without them <see cref="Detect"/> returns null.
/// Each run works in a private temporary folder, is killed after <see cref="Timeout"/> or when the caller's token is
/// cancelled (the tool never outlives its read), and its output is size-checked.
/// A temporary folder that cannot be made, written or read, or a tool that cannot be started, is a fault of this machine
/// (<see cref="DicomTranscoderFaultException"/>), not a rejection of the scan; only the tool's own failure on the file
/// (an exit code, no output) is reported as one.
/// </summary>
public sealed class DicomToolTranscoder : IDicomTranscoder
{
    private static readonly string[] JpegUids = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"];
    private static readonly string[] JpegLsUids = ["1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"];
    private static readonly string[] Jpeg2000Uids = ["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"];

    /// <summary>How long a killed tool is given to be reaped before the read goes on without it.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Tool> tools;

    private DicomToolTranscoder(Dictionary<string, Tool> tools, TimeSpan timeout)
    {
        this.tools = tools;
        Timeout = timeout;
    }

    private sealed record Tool(string Path, bool GdcmStyle);

    /// <summary>How long one conversion may run before it is killed and the file rejected (default one minute).</summary>
    public TimeSpan Timeout { get; }

    public string Name => string.Join("+", tools.Values.Select(t => System.IO.Path.GetFileName(t.Path)).Distinct());

    /// <summary>The transcoder for the tools on <paramref name="searchPath"/> (default: the PATH variable), or null if none.</summary>
    public static DicomToolTranscoder? Detect(string? searchPath = null, TimeSpan? timeout = null)
    {
        var folders = (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string? Find(string name) => folders.Select(folder => System.IO.Path.Combine(folder, name)).FirstOrDefault(IsExecutable);

        var map = new Dictionary<string, Tool>(StringComparer.Ordinal);
        if (Find("gdcmconv") is { } gdcm)
        {
            foreach (var uid in JpegUids.Concat(JpegLsUids).Concat(Jpeg2000Uids))
            {
                map[uid] = new Tool(gdcm, GdcmStyle: true);
            }
        }

        if (Find("dcmdjpeg") is { } dcmdjpeg)
        {
            foreach (var uid in JpegUids)
            {
                map.TryAdd(uid, new Tool(dcmdjpeg, GdcmStyle: false));
            }
        }

        if (Find("dcmdjpls") is { } dcmdjpls)
        {
            foreach (var uid in JpegLsUids)
            {
                map.TryAdd(uid, new Tool(dcmdjpls, GdcmStyle: false));
            }
        }

        return map.Count == 0 ? null : new DicomToolTranscoder(map, timeout ?? TimeSpan.FromMinutes(1));
    }

    public bool CanTranscode(string transferSyntaxUid) => tools.ContainsKey(transferSyntaxUid);

    /// <summary>
    /// Which of the tools this transcoder uses would decompress the syntax ("gdcm or dcmtk", "gdcm"), for a rejection
    /// to say what to install; null when neither does.
    /// </summary>
    public static string? ToolsFor(string? transferSyntaxUid) =>
        transferSyntaxUid is null ? null
        : JpegUids.Contains(transferSyntaxUid) || JpegLsUids.Contains(transferSyntaxUid) ? "gdcm or dcmtk"
        : Jpeg2000Uids.Contains(transferSyntaxUid) ? "gdcm"
        : null;

    public byte[] Transcode(byte[] part10File, string transferSyntaxUid, ScanReadLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(part10File);
        ArgumentNullException.ThrowIfNull(limits);
        if (!tools.TryGetValue(transferSyntaxUid, out var tool))
        {
            throw new ScanRejectedException(ScanRejectionCode.UnsupportedTransferSyntax, $"No configured tool decompresses transfer syntax {DicomRejections.ShownUid(transferSyntaxUid)}.");
        }

        string folder = OnThisMachine("create its temporary folder", () => Directory.CreateTempSubdirectory("synomaly-dicom-").FullName);
        try
        {
            string input = System.IO.Path.Combine(folder, "in.dcm");
            string output = System.IO.Path.Combine(folder, "out.dcm");
            OnThisMachine("write the file to its temporary folder", () => File.WriteAllBytes(input, part10File));
            Run(tool, input, output, cancellationToken);
            var produced = new FileInfo(output);
            if (!produced.Exists || produced.Length == 0)
            {
                throw new ScanRejectedException(ScanRejectionCode.Malformed, $"{System.IO.Path.GetFileName(tool.Path)} produced no output for transfer syntax {DicomRejections.ShownUid(transferSyntaxUid)}.");
            }

            if (produced.Length > Math.Min(limits.MaxDecompressedBytes, Array.MaxLength))
            {
                throw DicomRejections.Limit(string.Create(CultureInfo.InvariantCulture, $"the decompressed file is larger than {limits.MaxDecompressedBytes} bytes"));
            }

            return OnThisMachine("read the tool's output back", () => File.ReadAllBytes(output));
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless; never let cleanup hide the real outcome.
            }
        }
    }

    private void Run(Tool tool, string input, string output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (tool.GdcmStyle)
        {
            start.ArgumentList.Add("--raw");
        }

        start.ArgumentList.Add(input);
        start.ArgumentList.Add(output);
        using var process = OnThisMachine("start " + System.IO.Path.GetFileName(tool.Path), () => Process.Start(start))
            ?? throw new DicomTranscoderFaultException("The DICOM transcoder could not be started.");

        // Drain both pipes so a chatty tool cannot block on a full buffer; the text is discarded (it may name the file).
        // Not cancelled: they end when the tool does, which a cancellation brings about by killing it.
        var drainOut = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var drainError = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (!WaitForExit(process, cancellationToken))
        {
            // The time a run takes depends on how busy this machine is, not only on the file: the TimeoutException inside
            // tells the worker to retry it (and a caller that does not retry still sees LimitExceeded).
            string what = string.Create(CultureInfo.InvariantCulture, $"the transcoder ran longer than {Timeout.TotalSeconds:0} s");
            throw DicomRejections.Limit(what, new TimeoutException("The DICOM transcoder was killed at its timeout."));
        }

        // The pipes end when every process holding them has closed them, not when the tool exits: a wrapper that left a
        // background child with its stdout would keep them open for as long as the child runs. The text is discarded
        // anyway, so the read goes on after a short grace; disposing the process closes this side of the pipes (the
        // child's next write then fails). The child itself is no longer in the tool's process tree and is not killed.
        if (!Task.WaitAll([drainOut, drainError], KillWait))
        {
            _ = Task.WhenAll(drainOut, drainError).ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }

        if (process.ExitCode != 0)
        {
            throw new ScanRejectedException(ScanRejectionCode.Malformed, string.Create(CultureInfo.InvariantCulture,
                $"{System.IO.Path.GetFileName(tool.Path)} could not decompress the pixel data (exit code {process.ExitCode})."));
        }
    }

    /// <summary>
    /// Waits for the tool until <see cref="Timeout"/> (false) or the caller's cancellation (thrown); either way the tool
    /// and anything it started are killed and reaped first, so no process outlives the read.
    /// </summary>
    private bool WaitForExit(Process process, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            // Transcode is synchronous; the wait needs no context to come back to.
            process.WaitForExitAsync(deadline.Token).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(KillWait);
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
    }

    /// <summary>
    /// Runs a step that depends on this machine, not on the scan (temporary folder, process start): its failure becomes a
    /// <see cref="DicomTranscoderFaultException"/>, which the reader lets through to be retried, never a rejection that
    /// would tell the user a valid scan is corrupt. Its message names no path; the original error, kept as the inner
    /// exception, may.
    /// </summary>
    private static T OnThisMachine<T>(string step, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Win32Exception)
        {
            throw new DicomTranscoderFaultException($"The DICOM transcoder could not {step} ({e.GetType().Name}): a fault of this machine, not of the scan.", e);
        }
    }

    private static void OnThisMachine(string step, Action action) => OnThisMachine(step, () =>
    {
        action();
        return true;
    });

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
