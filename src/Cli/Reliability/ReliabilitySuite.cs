using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Local;
using Synomaly.Storage.Messaging;

namespace Synomaly.Cli.Reliability;

/// <summary>Where a reliability run stands, for progress displays.</summary>
public sealed record SoakProgress(int Finished, int Total, int WorkerKills, int StorageRestarts, string Phase);

/// <summary>
/// The reliability suite of the local pipeline: uploads N distinct good scans, the bad-input corpus and a duplicate upload
/// into a pipeline of its own (Azurite, trigger host, worker as real processes), kills the worker and restarts Azurite at
/// seeded random points, waits for every job to end, and then counts what was lost, duplicated or ended wrongly.
/// </summary>
public static class ReliabilitySuite
{
    private const int ProblemsShown = 20;

    public static async Task<SoakReport> RunAsync(SoakOptions options, IProgress<SoakProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.WorkDirectory);
        var startedAt = DateTimeOffset.UtcNow;
        progress?.Report(new SoakProgress(0, 0, 0, 0, "making scans"));
        var good = await SoakScans.CreateAsync(options.BaseScan, options.Jobs, cancellationToken);
        var bad = options.BadInputs ? BadInputCorpus.Create() : [];

        progress?.Report(new SoakProgress(0, 0, 0, 0, "starting Azurite, trigger host and worker"));
        var settings = new LocalPipelineSettings
        {
            RepositoryRoot = options.RepositoryRoot,
            ModelDirectory = options.ModelDirectory,
            LogDirectory = options.LogDirectory,
            Device = options.Device,
            AzuriteEnvironment = AzuriteScript.IsolatedEnvironment(Path.Combine(options.WorkDirectory, "azurite")),
            WorkerOverrides = new Dictionary<string, string>
            {
                ["Worker__StorageQueueLockSeconds"] = options.LockSeconds.ToString(CultureInfo.InvariantCulture),
                ["Worker__MaxBatchSize"] = options.MaxBatchSize.ToString(CultureInfo.InvariantCulture),
            },
            TriggerHostOverrides = new Dictionary<string, string>
            {
                ["Intake__MaxScanBytes"] = BadInputCorpus.OversizeLimitBytes.ToString(CultureInfo.InvariantCulture),
            },
        };
        await using var pipeline = await LocalPipeline.StartAsync(settings, cancellationToken);
        var uploader = new DemoRun(pipeline, "while the soak ran");
        var clock = Stopwatch.StartNew();

        // Bad files go in at seeded random places among the good ones, as a portal would mix them.
        var random = new Random(options.Seed);
        var badAt = bad.Select(b => (At: random.Next(good.Count), Input: b)).ToLookup(p => p.At, p => p.Input);
        var plan = new List<(byte[] Content, string Extension, BadInput? Input)>();
        for (int i = 0; i < good.Count; i++)
        {
            plan.Add((good[i], ".png", null));
            plan.AddRange(badAt[i].Select(input => (input.Content, input.Extension, (BadInput?)input)));
        }

        var faults = new Queue<Fault>(FaultSchedule.Draw(plan.Count, options.EffectiveWorkerKills, options.StorageRestarts, options.Seed));
        int uploadFirst = FaultSchedule.UploadsBeforeFaults(plan.Count, [.. faults]);
        var goodIds = new List<string>(good.Count);
        var badIds = new List<(string ScanId, BadInput Input)>();
        async Task UploadAsync(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                progress?.Report(new SoakProgress(0, plan.Count, 0, 0, $"uploading {i + 1}/{plan.Count}"));
                var (content, extension, input) = plan[i];
                string scanId = await uploader.UploadAsync(content, extension, cancellationToken);
                if (input is null)
                {
                    goodIds.Add(scanId);
                }
                else
                {
                    badIds.Add((scanId, input));
                }
            }
        }

        await UploadAsync(0, uploadFirst);
        var census = new JobCensus(new JobStore(new TableServiceClient(pipeline.ConnectionString)), pipeline.Card.Version);
        string? duplicateId = null;
        bool heldBackUploaded = false;
        IReadOnlyDictionary<string, JobRecord> records = new Dictionary<string, JobRecord>();
        int kills = 0, restarts = 0;
        while (true)
        {
            records = await census.TryReadAsync(cancellationToken) ?? records;
            var expected = goodIds.Concat(badIds.Select(b => b.ScanId)).ToList();
            int finished = expected.Count(id => records.TryGetValue(id, out var r) && r.State.IsTerminal());
            progress?.Report(new SoakProgress(finished, plan.Count, kills, restarts, "processing"));
            if ((duplicateId is not null && finished == expected.Count) || clock.Elapsed > options.Timeout)
            {
                break;
            }

            while (faults.Count > 0 && faults.Peek().AfterFinishedJobs <= finished)
            {
                var fault = faults.Dequeue();
                if (fault.Kind == FaultKind.WorkerKill)
                {
                    progress?.Report(new SoakProgress(finished, plan.Count, kills, restarts, "killing the worker"));
                    await pipeline.RestartWorkerAsync(cancellationToken);
                    kills++;
                }
                else
                {
                    progress?.Report(new SoakProgress(finished, plan.Count, kills, restarts, "restarting Azurite"));
                    await pipeline.RestartStorageAsync(cancellationToken);
                    restarts++;
                }
            }

            if (faults.Count == 0 && !heldBackUploaded)
            {
                // Every fault is in: the held-back uploads follow.
                await UploadAsync(uploadFirst, plan.Count);
                heldBackUploaded = true;
                continue;
            }

            if (heldBackUploaded && duplicateId is null && records.TryGetValue(goodIds[0], out var firstJob) && firstJob.State.IsTerminal())
            {
                // Then the same bytes as the first scan again, once that scan is done: the new upload must not be processed
                // again (a new version of a scan that is still in flight is processed, into results of its own).
                duplicateId = await uploader.UploadAsync(good[0], ".png", cancellationToken);
                continue;
            }

            await Task.Delay(1000, cancellationToken);
        }

        double wall = clock.Elapsed.TotalSeconds;
        records = await ReadFinalAsync(census, cancellationToken);
        var resultSets = await CountResultSetsAsync(new BlobServiceClient(pipeline.ConnectionString), cancellationToken);
        var deadLetters = await DeadLetters.ReadAsync(new QueueClient(pipeline.ConnectionString, PoisonQueue.NameOf(BlobLayout.ScanJobsQueue)), cancellationToken);
        int neverUploaded = plan.Count - goodIds.Count - badIds.Count;
        return Summarise(options, pipeline, startedAt, wall, goodIds, badIds, duplicateId, neverUploaded, records, resultSets, deadLetters, kills, restarts);
    }

    private static SoakReport Summarise(
        SoakOptions options, LocalPipeline pipeline, DateTimeOffset startedAt, double wall, List<string> goodIds, List<(string ScanId, BadInput Input)> badIds,
        string? duplicateId, int neverUploaded, IReadOnlyDictionary<string, JobRecord> records, IReadOnlyDictionary<string, int> resultSets, DeadLetters deadLetters,
        int kills, int restarts)
    {
        var problems = new List<string>();
        int lost = neverUploaded, wrong = 0, succeeded = 0;
        if (duplicateId is null)
        {
            // The run timed out before its last fault: the held-back uploads never went in, which counts as a failed run.
            problems.Add($"timed out before every fault was in; {neverUploaded} held-back upload(s) and the duplicate never went in");
        }

        if (pipeline.DevHost.HasExited)
        {
            // Intake stops with it: say so first rather than leave it to be inferred from jobs without records.
            problems.Insert(0, $"the trigger host exited during the run; see {pipeline.DevHost.LogPath}");
        }

        foreach (var id in goodIds)
        {
            if (!records.TryGetValue(id, out var record) || !record.State.IsTerminal())
            {
                lost++;
                problems.Add($"{id}: {(record is null ? "no job record" : "still " + record.State)}");
            }
            else if (record.State != JobState.Succeeded)
            {
                wrong++;
                problems.Add($"{id}: {record.State} {record.ErrorCode}: {record.ErrorMessage}");
            }
            else if (resultSets.GetValueOrDefault(id) == 0)
            {
                lost++;
                problems.Add($"{id}: Succeeded without a result set");
            }
            else
            {
                succeeded++;
            }
        }

        var badResults = badIds.Select(b =>
        {
            var record = records.GetValueOrDefault(b.ScanId);
            return new BadInputOutcome(b.Input.Name, b.Input.Description, b.Input.ExpectedCode, record?.State.ToString() ?? "missing", record?.ErrorCode, record?.ErrorMessage);
        }).ToList();
        foreach (var outcome in badResults.Where(o => !o.Passed))
        {
            if (outcome.State is "missing" or "Queued" or "Processing")
            {
                lost++;
            }
            else
            {
                wrong++;
            }

            problems.Add($"bad input {outcome.Name}: {outcome.State} {outcome.ActualCode} (expected Failed {outcome.ExpectedCode})");
        }

        int duplicated = resultSets.Count(p => p.Value > 1) + (duplicateId is null || duplicateId == goodIds[0] ? 0 : 1);
        problems.AddRange(resultSets.Where(p => p.Value > 1).Select(p => $"{p.Key}: {p.Value} result sets"));
        var seconds = goodIds.Select(id => records.GetValueOrDefault(id)).Where(r => r?.FinishedAt is not null)
            .Select(r => (r!.FinishedAt!.Value - r.CreatedAt).TotalSeconds).Order().ToList();
        return new SoakReport
        {
            StartedAt = startedAt,
            Machine = $"{Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            Device = options.Device,
            Model = $"{pipeline.Card.Name} {pipeline.Card.Version}",
            Seed = options.Seed,
            Jobs = options.Jobs,
            BadInputs = badIds.Count,
            DuplicateUploads = 1,
            WorkerKillsPlanned = options.EffectiveWorkerKills,
            WorkerKills = kills,
            StorageRestarts = restarts,
            Succeeded = succeeded,
            FailedWithReason = badResults.Count(o => o.Passed),
            Lost = lost,
            Duplicated = duplicated,
            WrongOutcome = wrong,
            DeadLetterMessages = deadLetters.Messages,
            DeadLettered = badIds.Count(b => !b.Input.RejectedAtIntake && deadLetters.Holds(b.ScanId)),
            DeadLetterExpected = badIds.Count(b => !b.Input.RejectedAtIntake),
            GoodJobsDeadLettered = goodIds.Count(deadLetters.HoldsFailure),
            StaleVersionsDeadLettered = deadLetters.StaleVersions,
            Redeliveries = goodIds.Concat(badIds.Select(b => b.ScanId)).Select(id => records.GetValueOrDefault(id)).Sum(r => Math.Max(0, (r?.Attempts ?? 0) - 1)),
            WallSeconds = wall,
            JobsPerSecond = goodIds.Count / wall,
            JobSecondsP50 = Percentile(seconds, 0.50),
            JobSecondsP95 = Percentile(seconds, 0.95),
            BadInputResults = badResults,
            Problems = [.. problems.Take(ProblemsShown)],
        };
    }

    /// <summary>The last census must succeed: retry through a late outage rather than report jobs as lost.</summary>
    private static async Task<IReadOnlyDictionary<string, JobRecord>> ReadFinalAsync(JobCensus census, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            var records = await census.TryReadAsync(cancellationToken);
            if (records is not null)
            {
                return records;
            }

            if (attempt == 30)
            {
                throw new InvalidOperationException("The job table did not answer for 30 seconds after the run; the figures cannot be read.");
            }

            await Task.Delay(1000, cancellationToken);
        }
    }

    /// <summary>Complete result sets per scan id: report.json is written last, so each one marks one whole set.</summary>
    private static async Task<IReadOnlyDictionary<string, int>> CountResultSetsAsync(BlobServiceClient blobs, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var container = blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, cancellationToken))
        {
            if (blob.Name.EndsWith("/" + BlobLayout.ReportFile, StringComparison.Ordinal))
            {
                string scanId = blob.Name.Split('/')[0];
                counts[scanId] = counts.GetValueOrDefault(scanId) + 1;
            }
        }

        return counts;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * sorted.Count))];
}
