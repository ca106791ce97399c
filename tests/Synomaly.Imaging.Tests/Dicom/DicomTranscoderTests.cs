using Synomaly.Imaging.Dicom;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>
/// The external-tool transcoder: detection on PATH, and the process plumbing driven by stand-in scripts named like the
/// real tools (the real dcmtk/gdcm tools are exercised by the conformance tests wherever they are installed).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DicomTranscoderTests : IDisposable
{
    private const string Jpeg2000 = "1.2.840.10008.1.2.4.90";
    private const string JpegLs = "1.2.840.10008.1.2.4.80";
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("synomaly-transcoder-test-");

    public void Dispose() => folder.Delete(recursive: true);

    [Fact]
    public void No_tools_on_the_path_means_no_transcoder()
    {
        Assert.Null(DicomToolTranscoder.Detect(folder.FullName));
    }

    [Fact]
    public void Dcmtk_tools_cover_jpeg_and_jpeg_ls_but_not_jpeg_2000()
    {
        Tool("dcmdjpls", "exit 0");
        Tool("dcmdjpeg", "exit 0");

        var transcoder = DicomToolTranscoder.Detect(folder.FullName);

        Assert.NotNull(transcoder);
        Assert.True(transcoder.CanTranscode(JpegLs));
        Assert.True(transcoder.CanTranscode("1.2.840.10008.1.2.4.70"));
        Assert.False(transcoder.CanTranscode(Jpeg2000));
    }

    [Fact]
    public void A_non_executable_file_is_not_a_tool()
    {
        File.WriteAllText(Path.Combine(folder.FullName, "gdcmconv"), "#!/bin/sh\n");

        Assert.Null(DicomToolTranscoder.Detect(folder.FullName));
    }

    [Fact]
    public void The_tools_output_is_read_as_the_decompressed_file()
    {
        // A stand-in gdcmconv that checks its arguments (--raw IN OUT) and writes the uncompressed version of the image.
        string uncompressed = Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "1.dcm");
        Tool("gdcmconv", $"[ \"$1\" = --raw ] && [ -f \"$2\" ] && cp '{uncompressed}' \"$3\"");
        var transcoder = DicomToolTranscoder.Detect(folder.FullName)!;

        var volume = DicomTestFiles.Read(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm"), transcoder: transcoder);

        Assert.Equal(DicomTestFiles.Read(uncompressed).Voxels, volume.Voxels);
        Assert.Contains(volume.Provenance.Notes, n => n.Contains("gdcmconv", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failing_tool_leaves_the_syntax_rejection_and_says_the_tool_failed()
    {
        Tool("gdcmconv", "echo 'cannot decode' >&2; exit 3");
        var transcoder = DicomToolTranscoder.Detect(folder.FullName)!;

        var rejection = Assert.Throws<ScanRejectedException>(() =>
            DicomTestFiles.Read(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm"), transcoder: transcoder));

        Assert.Equal(ScanRejectionCode.UnsupportedTransferSyntax, rejection.Code);
        Assert.Contains("1.2.840.10008.1.2.4.90", rejection.Message, StringComparison.Ordinal);
        Assert.Contains("gdcmconv", rejection.Message, StringComparison.Ordinal);
        Assert.Contains("exit code 3", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hanging_tool_is_killed_at_the_timeout()
    {
        // The stand-in would run 300 s, far past the 60 s hang bound below: a read that waited for the tool instead of
        // stopping at its 1 s timeout fails the bound, however slow the machine. The kill itself is checked by its effect,
        // no process of the tool left running, rather than by time: a read that gave up without killing ends in time too.
        string tool = Tool("gdcmconv", "sleep 300");
        var transcoder = DicomToolTranscoder.Detect(folder.FullName, TimeSpan.FromSeconds(1))!;

        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var rejection = Assert.Throws<ScanRejectedException>(() =>
                DicomTestFiles.Read(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm"), transcoder: transcoder));

            Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
            // The machine's limit, not the file's: the worker retries a rejection with a TimeoutException inside.
            Assert.IsType<TimeoutException>(rejection.InnerException);
            Assert.InRange(watch.Elapsed.TotalSeconds, 0, 60);
            Assert.All(ProcessesOf(tool), pid => Assert.False(IsRunning(pid), $"the tool's process {pid} outlived its timeout"));
        }
        finally
        {
            // Only a broken kill leaves the stand-in behind; the test does not leave it running for five minutes.
            foreach (int pid in ProcessesOf(tool))
            {
                Kill(pid);
            }
        }
    }

    [Fact]
    public void A_tool_that_exits_but_leaves_a_child_holding_its_output_pipes_does_not_hang_the_read()
    {
        // A wrapper script may start a helper in the background that inherits stdout and stderr and outlives it: the
        // pipes then stay open after the tool has exited, and waiting for their end would wait for the helper.
        string uncompressed = Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "1.dcm");
        string child = Path.Combine(folder.FullName, "child");
        Tool("gdcmconv", $"cp '{uncompressed}' \"$3\"; sleep 60 & echo $! > '{child}'; exit 0");
        var transcoder = DicomToolTranscoder.Detect(folder.FullName, TimeSpan.FromSeconds(30))!;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var volume = DicomTestFiles.Read(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm"), transcoder: transcoder);

            Assert.InRange(watch.Elapsed.TotalSeconds, 0, 20);
            Assert.Equal(DicomTestFiles.Read(uncompressed).Voxels, volume.Voxels);
        }
        finally
        {
            // The transcoder cannot reach the orphan (it left the tool's process tree); the test cleans up after itself.
            if (File.Exists(child) && int.TryParse(File.ReadAllText(child).Trim(), out int pid))
            {
                try
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Already gone.
                }
            }
        }
    }

    [Fact]
    public async Task A_cancelled_read_kills_the_running_tool_and_what_it_started_and_leaves_no_process_behind()
    {
        // The stand-in starts a child of its own and records both process ids before it waits.
        string ids = Path.Combine(folder.FullName, "pids");
        // The stand-in runs 120 s and the transcoder's timeout is longer still: a read that saw the cancel only when the tool
        // ended (or at the timeout) stops far outside the hang bound below, while a healthy stop is well inside it.
        Tool("gdcmconv", $"sleep 120 & echo \"$$ $!\" > '{ids}.tmp'; mv '{ids}.tmp' '{ids}'; wait");
        var transcoder = DicomToolTranscoder.Detect(folder.FullName, TimeSpan.FromMinutes(5))!;
        using var cancel = new CancellationTokenSource();
        using var stream = File.OpenRead(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm"));
        // The stop is timed from the cancel: timed from the start of the read, it also took in the tool's start and this
        // thread's own (a thread-pool thread, which a loaded 2-core machine can be slow to give).
        var started = Task.Run(() =>
        {
            // For a minute at most: a tool that never got as far as writing its ids is cancelled anyway, and the test then
            // fails on the missing file instead of spinning here for ever.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(ids) && waited.Elapsed < TimeSpan.FromMinutes(1))
            {
                Thread.Sleep(10);
            }

            long cancelledAt = System.Diagnostics.Stopwatch.GetTimestamp();
            cancel.Cancel();
            return cancelledAt;
        }, TestContext.Current.CancellationToken);

        Assert.ThrowsAny<OperationCanceledException>(() => DicomVolumeReader.Read(stream, ScanReadLimits.Default, transcoder, cancel.Token));
        long stoppedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var stopped = System.Diagnostics.Stopwatch.GetElapsedTime(await started, stoppedAt);

        int[] pids = [.. File.ReadAllText(ids).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
        Assert.Equal(2, pids.Length);
        // A bound on a hang, not a speed target: the kill and reaping take well under a second, but a loaded 2-core CI
        // machine can be slow to schedule them (a healthy stop could exceed the 5 s this once allowed).
        Assert.InRange(stopped, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"process {pid} outlived the read"));
    }

    [Fact]
    public void Output_larger_than_the_decompressed_limit_is_rejected()
    {
        Tool("gdcmconv", "head -c 3000000 /dev/zero > \"$3\"");
        var transcoder = DicomToolTranscoder.Detect(folder.FullName)!;
        var limits = ScanReadLimits.Default with { MaxDecompressedBytes = 2_000_000 };

        var rejection = Assert.Throws<ScanRejectedException>(() =>
            DicomTestFiles.Read(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm"), limits, transcoder));

        Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
    }

    [Fact]
    public void A_tool_that_cannot_be_started_is_a_fault_of_the_machine_not_a_rejection_of_the_scan()
    {
        // Found and executable, but its interpreter is missing: Process.Start fails. The scan is not to blame, so the reader
        // lets the fault through (to be retried) instead of calling a valid file malformed.
        string path = Path.Combine(folder.FullName, "gdcmconv");
        File.WriteAllText(path, "#!/nonexistent/interpreter\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var transcoder = DicomToolTranscoder.Detect(folder.FullName)!;

        var fault = Assert.Throws<DicomTranscoderFaultException>(() =>
            DicomTestFiles.Read(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm"), transcoder: transcoder));

        Assert.IsType<System.ComponentModel.Win32Exception>(fault.InnerException);
        Assert.DoesNotContain(folder.FullName, fault.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Whether the process still runs: it exists and is not a zombie waiting to be reaped by its parent. A process just
    /// killed is given up to 30 s to be gone, a guard against a hang rather than a speed target: a loaded 2-core machine
    /// can be slow to schedule a killed process's exit, and the 2 s this once allowed could fail a healthy kill.
    /// </summary>
    private static bool IsRunning(int pid)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (IsAlive(pid))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return false;
    }

    /// <summary>Whether the process exists now and is not a zombie.</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            // The state follows the command name in parentheses: "pid (comm) S ...".
            string text = File.ReadAllText($"/proc/{pid}/stat");
            return !text[(text.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone (DirectoryNotFoundException and FileNotFoundException are IOExceptions).
            return false;
        }
    }

    /// <summary>
    /// The processes of a stand-in script: found by its path in their command line ("/bin/sh PATH ARGS..."), which each
    /// run has from its start, whether or not the script got as far as its first line.
    /// </summary>
    private static List<int> ProcessesOf(string tool)
    {
        var found = new List<int>();
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int pid))
            {
                continue;
            }

            try
            {
                // NUL-separated arguments; the path is a whole argument.
                if (File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0').Contains(tool, StringComparer.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Ended while it was looked at.
            }
        }

        return found;
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Writes an executable stand-in script named like a real tool into the test's folder; returns its path.</summary>
    private string Tool(string name, string script)
    {
        string path = Path.Combine(folder.FullName, name);
        File.WriteAllText(path, "#!/bin/sh\n" + script + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
