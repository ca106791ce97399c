using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Synomaly.Contracts;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using Synomaly.Evaluation;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Presets;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly tune` and `synomaly evaluate`: the evaluation protocol of docs/EVALUATION.md on a validation folder, or on
/// sets given as they are (<see cref="EvaluationInputs"/>), prepared by the preset of the model card's modality.
/// </summary>
public static class EvaluationCommands
{
    private static readonly Option<string> Model = new("--model") { Description = "Model folder (model.safetensors + model-card.json).", Required = true };
    private static readonly Option<string?> Lesions = new("--lesion-map") { Description = "With --data: binary lesion map (NIfTI) giving real lesion shapes; procedural shapes only without it." };
    private static readonly Option<int> PerSlice = new Option<int>("--lesions-per-slice") { Description = "With --data: anomalous cases made from each healthy slice, one inserted lesion each (at least 1; a lesion that marks no pixel of the model grid is left out).", DefaultValueFactory = _ => 2 }.AtLeastOneLesion();
    private static readonly Option<string> Device = new("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "auto" };
    private static readonly Option<string?> Profile = new("--profile") { Description = "Inference profile name in the model card (default: the card's default profile)." };
    private static readonly Option<bool> MakeDefault = new("--make-default")
    {
        Description = "Make the tuned profile the card's default (the one detect, evaluate and the worker serve). Without it tune changes the default only when the card has none or --profile names the default already.",
    };

    private static readonly Option<int?> TuneMinComponent = new("--min-component")
    {
        Description = "Smallest kept component in pixels, written into the tuned profile (default: the reference's 30 at 128 px scaled by area to the model size, 30·(size/128)² rounded: 8 at 64 px).",
    };

    private static readonly Option<int?> EvaluateMinComponent = new("--min-component")
    {
        Description = "Smallest kept component in pixels, instead of the profile's (default: the profile's own, which train and tune scale to the model size, 30·(size/128)²).",
    };

    private static readonly Option<string> Out = new("--out") { Description = "Output folder for tables, JSON and plots; keep it outside every data folder, the model's training data included (a later run there would read the plots as scans).", Required = true };
    private static readonly Option<long> Seed = new("--seed") { Description = "Seed of the inference noise.", DefaultValueFactory = _ => 7 };
    private static readonly Option<string> Seeding = new Option<string>("--noise-seeding")
    {
        Description = "per-slice (each case's noise follows its pixels and --seed, at any batch size) or batch (one generator per batch of 32, as every number published before session 17 was made).",
        DefaultValueFactory = _ => "per-slice",
    }.OneOf("per-slice", "batch");

    private static readonly Option<string> Region = new Option<string>("--map-region")
    {
        Description = "foreground (each map restricted to the preset's foreground, as the worker serves it) or whole-slice (the engine's map, as every number published before session 21 was made).",
        DefaultValueFactory = _ => "foreground",
    }.OneOf("foreground", "whole-slice");

    private static readonly Option<string> ImageLabel = new Option<string>("--image-label")
    {
        Description = "Which cases the image AUROC, AUPRC and AP rank as anomalous: reference (more than one truth pixel on the model grid, as the reference's np.sum(G_resized) > 1; a one-pixel lesion case is a healthy image there, and still a lesion case for Dice) or any-truth (every lesion case). Recorded in the JSON as ImageLabel.",
        DefaultValueFactory = _ => "reference",
    }.OneOf("reference", "any-truth");

    public static Command Tune()
    {
        var grid = new Option<string>("--grid")
        {
            Description = "reference (the authors' 5x6x8 grid: 240 candidates, hours on a CPU), compact (3x3x5: 45, for CPU) or custom (--t, --k, --theta); each times the --noise-draws and --fusion lists.",
            DefaultValueFactory = _ => "reference",
        }
            .OneOf("reference", "compact", "custom");
        var tValues = new Option<string>("--t") { Description = "custom grid: comma list of t.", DefaultValueFactory = _ => "150,250" };
        var kValues = new Option<string>("--k") { Description = "custom grid: comma list of blur kernels.", DefaultValueFactory = _ => "3,5" };
        var thetaValues = new Option<string>("--theta") { Description = "custom grid: comma list of thresholds.", DefaultValueFactory = _ => "0.15,0.25" };
        var drawValues = new Option<string>("--noise-draws") { Description = "Comma list of noise draws averaged per stage, searched with any grid (1: the reference; more: less noisy maps, one network pass per draw).", DefaultValueFactory = _ => "1" };
        var normativeData = new Option<string?>("--normative-data") { Description = "Healthy training slices (never the validation folder) on which the model's reconstruction residual is measured per pixel, to search per-pixel thresholds (--normative-alpha)." };
        var normativeAlphas = new Option<string>("--normative-alpha") { Description = "With --normative-data: comma list of weights α searched for the per-pixel thresholds (0: one θ everywhere, the reference; 1: θ follows the healthy residual fully).", DefaultValueFactory = _ => "0,0.5,0.75" };
        var fusionValues = ProfileChoices.Fusions.CreateList(
            "--fusion",
            "Comma list of adaptive fusion modes searched: soft (the released script, continuous map), binary (the paper's figure, binary mask of the evaluation map), notebook (the figure notebook, binary mask of a fixed k=3, θ=0.1 map) and/or none (the older script: no fusion, stop counts of that fixed map).",
            FusionMode.Soft);
        var stopRule = ProfileChoices.StopRules.Create(
            "--stop-rule",
            "Adaptive stop rule of every candidate, written into the tuned profile: released (the released script: |Δcount| / max(previous, 500) <= δ from an all-ones start) or paper (the paper's figure: |Δcount| / previous < δ, from stage 2).",
            StopRule.Released);
        var stopFloor = ProfileChoices.StopFloors.Create(
            "--stop-floor",
            "Denominator floor of the released stop rule, written into the tuned profile: reference (500 pixels at any slice size, the released script) or area-scaled (500 at 128x128 scaled by area, 500·H·W/128²: 125 at 64 px).",
            StopFloor.Reference);
        var command = new Command(
            "tune", "Grid-search t, blur kernel and threshold on the tuning half of --data (or on a tuning set given with --anomalous/--masks and --healthy); write the best profile into the model card.")
        {
            Model, Lesions, PerSlice, Device, Profile, MakeDefault, TuneMinComponent, Out, Seed, Seeding, Region, ImageLabel, grid, tValues, kValues, thetaValues, drawValues, fusionValues, stopRule, stopFloor, normativeData, normativeAlphas,
        };
        EvaluationInputs.AddTo(command, Lesions, PerSlice, needsAnomalous: true);
        command.Validators.Add(result =>
        {
            // Without the healthy residual there are no per-pixel thresholds to weigh: the weights would be ignored.
            if (result.GetResult(normativeAlphas) is { Implicit: false } && result.GetResult(normativeData) is not { Implicit: false })
            {
                result.AddError($"{normativeAlphas.Name} weighs thresholds measured on {normativeData.Name}: give {normativeData.Name} <training folder> with it, or leave both out.");
            }

            // The lists are the custom grid's: with another grid they were ignored, and the reference grid (240 points, hours
            // on a CPU) ran instead and wrote its winner into the card. Not taken to imply custom: the grid is said, not guessed.
            string[] lists = [.. new[] { tValues, kValues, thetaValues }.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name)];
            bool custom = result.GetResult(grid) is { Implicit: false } given && GridName(given.GetValueOrDefault<string>()) == "custom";
            if (lists.Length > 0 && !custom)
            {
                result.AddError($"{string.Join(", ", lists)}: the values of a custom grid, searched only with --grid custom (the reference and compact grids have their own): give --grid custom with them, or leave them out.");
            }
        });
        command.SetAction((parse, cancellationToken) => Cancellable("tune", () => RunTune(parse, ProfileChoices.StopRules.Of(parse.GetValue(stopRule)), ProfileChoices.StopFloors.Of(parse.GetValue(stopFloor)), parse.GetValue(normativeData), Doubles(parse.GetValue(normativeAlphas)!, normativeAlphas.Name), GridName(parse.GetValue(grid)), (GridName(parse.GetValue(grid)) switch
        {
            "compact" => new TuningGrid([150, 250, 350], [3, 5, 7], [0.10, 0.15, 0.20, 0.25, 0.30]),
            "custom" => new TuningGrid(Ints(parse.GetValue(tValues)!, tValues.Name), Ints(parse.GetValue(kValues)!, kValues.Name), Doubles(parse.GetValue(thetaValues)!, thetaValues.Name)),
            _ => Tuner.ReferenceGrid,
        }) with { NoiseDraws = Ints(parse.GetValue(drawValues)!, drawValues.Name), Fusions = ProfileChoices.Fusions.ListOf(parse.GetValue(fusionValues)) }, cancellationToken), cancellationToken));
        return command;
    }

    public static Command Evaluate()
    {
        var record = new Option<bool>("--record-in-card") { Description = "Write the headline metrics into the model card (metrics.reporting.*), replacing those of an earlier evaluation." };
        var command = new Command(
            "evaluate", "Evaluate single-stage, fixed-list and adaptive inference on the reporting half of --data with inserted lesions, or on your own --healthy and --anomalous scans with their --masks.")
        {
            Model, Lesions, PerSlice, Device, Profile, EvaluateMinComponent, Out, Seed, Seeding, Region, ImageLabel, record,
        };
        EvaluationInputs.AddTo(command, Lesions, PerSlice, needsAnomalous: false);
        command.SetAction((parse, cancellationToken) => Cancellable("evaluate", () => RunEvaluate(parse, parse.GetValue(record), cancellationToken), cancellationToken));
        return command;
    }

    /// <summary>
    /// Runs <paramref name="work"/> off the invocation's thread, so that Ctrl-C and SIGTERM reach its token while it runs (run
    /// on that thread, the work finished before System.CommandLine began listening). A cancelled run ends with exit code 130
    /// and one line, having written neither the card nor the results, which would look complete.
    /// </summary>
    private static Task<int> Cancellable(string name, Func<int> work, CancellationToken cancellationToken) => Task.Run(
        () =>
        {
            try
            {
                return work();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine($"cancelled: {name} stopped before the end; no results were written and the model card is unchanged.");
                return 130;
            }
        },
        CancellationToken.None);

    /// <summary>What a healthy residual depends on: candidates that share it share one measurement.</summary>
    private static (int T, int K, int Draws) ResidualKey(InferenceOptions candidate) => (candidate.Timesteps[0], candidate.BlurKernel, candidate.NoiseDraws);

    private static int RunTune(ParseResult parse, StopRule stopRule, StopFloor stopFloor, string? normativeData, double[] alphas, string gridName, TuningGrid grid, CancellationToken cancellationToken)
    {
        var (source, detectorContext) = Prepare(parse, cancellationToken, ("--normative-data", normativeData));
        using var context = detectorContext;
        int minComponent = parse.GetValue(TuneMinComponent) ?? AnomalyMapOptions.DefaultMinComponentSizeFor(context.Card.Architecture.ImageSize);
        var template = InferenceOptions.Adaptive(250, 5, 0.2) with { MinComponentSize = minComponent, Seed = parse.GetValue(Seed), NoiseSeeding = NoiseSeedingOf(parse), StopRule = stopRule, StopFloor = stopFloor };
        TuneGridCheck.Require(grid, gridName, template, context.Card.Timesteps, normativeData is null ? null : alphas);
        var cases = UnreadableInputException.Guard(() => source.TuningCases(cancellationToken));
        RequireAnomalousCases(parse, cases, "tuning", "tune ranks settings by Dice on anomalous cases");
        string outDir = CreateOutputFolder(parse);
        IReadOnlyList<EvaluationResult> ranked = [];
        IReadOnlyList<InferenceOptions> candidates = [.. grid.Candidates(template)];
        var residuals = new Dictionary<(int T, int K, int Draws), HealthyResidual>();
        var healthy = normativeData is null ? null : UnreadableInputException.Guard(() => HealthySlices(normativeData, source, context.Card, cancellationToken));
        // Said before the first candidate, whatever the console (a redirected one shows no bar): the default grid's 240
        // candidates take hours on a CPU, and the bar alone never said how many there were.
        int searched = candidates.Count * (healthy is null ? 1 : alphas.Length);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[grey]Searching {0} candidates on {1} tuning cases ({2} grid)[/]", searched, cases.Count, gridName);
        AnsiConsole.Progress().Start(progress =>
        {
            if (healthy is not null)
            {
                // One measurement over every healthy slice per distinct residual key, and none when every α is 0: the bar
                // advances per batch of each, instead of sitting at 0% until the last one ends.
                int measurements = alphas.Any(a => a != 0) ? candidates.Select(ResidualKey).Distinct().Count() : 0;
                var measuring = progress.AddTask($"healthy residual on {healthy.Count} training slices", maxValue: Math.Max(1, measurements * healthy.Count));
                candidates = [.. NormativeResidual.Expand(candidates, alphas, c =>
                {
                    var key = ResidualKey(c);
                    if (!residuals.TryGetValue(key, out var residual))
                    {
                        // Progress<int> reports on the thread pool, possibly out of order: the bar never moves back.
                        int before = residuals.Count * healthy.Count;
                        var slicesDone = new Progress<int>(n => measuring.Value = Math.Max(measuring.Value, before + n));
                        residual = residuals[key] = NormativeResidual.Measure(context.Evaluator, healthy, c, parse.GetValue(Seed), slicesDone, cancellationToken);
                    }

                    return residual;
                })];
                measuring.Value = measuring.MaxValue;
            }

            var task = progress.AddTask(string.Create(CultureInfo.InvariantCulture, $"tuning on {cases.Count} cases: candidate 0/{candidates.Count}"), maxValue: candidates.Count);
            ranked = new Tuner(context.Evaluator).Search(cases, candidates, (done, total) =>
            {
                task.Value = done;
                task.Description = string.Create(CultureInfo.InvariantCulture, $"tuning on {cases.Count} cases: candidate {done}/{total}");
            }, cancellationToken);
        });
        cancellationToken.ThrowIfCancellationRequested();
        var best = ranked[0];
        if (!double.IsFinite(best.Dice))
        {
            // Defence in depth: a profile chosen on an undefined Dice would replace a tuned one with an arbitrary candidate.
            throw new InvalidOperationException("No candidate has a defined Dice on the tuning set (no anomalous case was scored): nothing was written and the model card is unchanged.");
        }

        var winner = best.Options;
        // What reads the input files again (the manifest's hashes, the subjects' fingerprints) is done before any file is
        // written, and stops at Ctrl-C: a cancelled tune writes no result and leaves the card as it was (docs/ENGINE.md).
        string manifest = source.ManifestJson(tuning: true, cases, cancellationToken);
        var tuningSubjects = source.TuningSubjects(cancellationToken);
        var normativeSubjects = winner.NormativeThreshold is null ? null : SubjectSplit.Fingerprints(healthy!.Select(c => c.Source).Distinct(StringComparer.Ordinal), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        File.WriteAllText(Path.Combine(outDir, "tuning.md"), $"# {source.TuningTitle}\n\n" + EvaluationReport.MarkdownTable([.. ranked.Take(10)]));
        File.WriteAllText(Path.Combine(outDir, "tuning.json"), EvaluationReport.SummaryJson(ranked));
        File.WriteAllText(Path.Combine(outDir, "tuning-set.json"), manifest);
        if (winner.NormativeThreshold is { } normative)
        {
            var residual = residuals[(winner.Timesteps[0], winner.BlurKernel, winner.NoiseDraws)];
            int size = context.Card.Architecture.ImageSize;
            File.WriteAllBytes(Path.Combine(outDir, "normative-threshold.png"), HeatmapOverlay.RenderPng(residual.MeanInput, normative.Scale, size, size, new OverlayOptions { PixelScale = 4, GreyWindow = (-1f, 1f), Label = "THRESHOLD FACTOR" }));
        }

        // The card's default profile unless told otherwise: a liver-ct model's is "liver-ct", an import's "default".
        var profileName = parse.GetValue(Profile) ?? context.Card.DefaultProfile ?? InferenceProfileNames.Default;
        // Tuning into another profile (an experiment) leaves the default alone: what detect, evaluate and the worker serve
        // changes only when asked, or when the tuned profile is the default already or there is none.
        var defaultProfile = parse.GetValue(MakeDefault) || context.Card.DefaultProfile is null ? profileName : context.Card.DefaultProfile;
        var tuned = context.Card with
        {
            InferenceProfiles = new Dictionary<string, InferenceProfile>(context.Card.InferenceProfiles)
            {
                [profileName] = InferenceProfile.FromOptions(winner) with
                {
                    TuningSubjects = tuningSubjects,
                    NormativeSubjects = normativeSubjects,
                },
            },
            DefaultProfile = defaultProfile,
        };
        // Reporting metrics measured with the settings just replaced would be claimed for the new ones.
        var (card, dropped) = CardMetrics.AfterTuning(context.Card, tuned, profileName);
        ModelPackage.SaveCard(parse.GetValue(Model)!, card);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[green]Best on the tuning set:[/] {0} (Dice {1:F3}); written to profile '{2}'.", Markup.Escape(best.Settings), best.Dice, Markup.Escape(profileName));
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "The card's default profile is '{0}'{1}.", Markup.Escape(defaultProfile),
            defaultProfile == profileName ? "" : Markup.Escape($" (unchanged; --make-default makes '{profileName}' the default)"));
        if (dropped is not null)
        {
            AnsiConsole.MarkupLine(
                "[yellow]{0}[/]",
                Markup.Escape($"The card's reporting metrics (metrics.reporting.*) were removed: they were measured with profile '{dropped.Name}' as it was ({dropped.Settings}), "
                    + $"not with its new settings. Run evaluate --profile {profileName} --record-in-card to measure them."));
        }

        return 0;
    }

    /// <summary>The card's profile by the name given with --profile (or its default); a name it lacks is the command line's fault.</summary>
    private static InferenceProfile ProfileNamed(ModelCard card, string? name)
    {
        try
        {
            return card.Profile(name);
        }
        catch (InvalidModelConfigException e) when (name is not null)
        {
            throw new UsageException($"--profile: {ErrorLine.Of(e)}", e);
        }
    }

    private static int RunEvaluate(ParseResult parse, bool recordInCard, CancellationToken cancellationToken)
    {
        var (source, detectorContext) = Prepare(parse, cancellationToken);
        using var context = detectorContext;
        var profile = ProfileNamed(context.Card, parse.GetValue(Profile));
        // Profile() has refused a card without a default when none is named, so one of the two is there.
        string profileName = parse.GetValue(Profile) ?? context.Card.DefaultProfile!;
        var adaptive = profile.ToOptions(parse.GetValue(Seed)) with { NoiseSeeding = NoiseSeedingOf(parse) };
        if (parse.GetValue(EvaluateMinComponent) is { } minComponent)
        {
            // Given on the command line: it overrides the profile's, which is part of the tuned setting.
            adaptive = adaptive with { MinComponentSize = minComponent };
        }

        // Checked before the scans are read or --out is made: a --min-component inference refuses is a usage error, not a
        // run that fails once the output folder exists.
        adaptive.Validate(context.Card.Timesteps);
        // A file without a sub-<id> is recognised by its bytes, so these checks read the files, stopping at Ctrl-C. Their
        // refusals are usage errors told as every verb tells one (one 'error:' line on stderr, exit 2), not red text on stdout.
        if (UnreadableInputException.Guard(() => source.ReportingSubjectsTunedOn(profile.TuningSubjects, cancellationToken)) is > 0 and var overlap)
        {
            throw new UsageException(source.TunedOnRefusal(overlap));
        }

        if (UnreadableInputException.Guard(() => source.ReportingSubjectsTunedOn(profile.NormativeSubjects, cancellationToken)) is > 0 and var fitted)
        {
            throw new UsageException($"{fitted} of the reported subjects are among those the profile's normative threshold was measured on (tune --normative-data): its per-pixel thresholds are fitted to their slices, so reporting on them would report on data the profile was tuned on. Evaluate on other subjects.");
        }

        var cases = UnreadableInputException.Guard(() => source.ReportingCases(cancellationToken));
        if (parse.GetValue(EvaluationInputs.Data) is not null || recordInCard)
        {
            RequireAnomalousCases(parse, cases, "reporting", recordInCard ? "--record-in-card replaces the card's Dice and AUROC" : "evaluate reports Dice on the inserted lesions");
        }

        string outDir = CreateOutputFolder(parse);
        int t = profile.Timesteps[0];
        var modes = new (string Name, InferenceOptions Options)[]
        {
            ("single-stage", adaptive.AsSingleStage()),
            ("fixed-list", adaptive with { Mode = InferenceMode.FixedStages, Timesteps = [t, (2 * t) / 3, t / 3] }),
            ("adaptive", adaptive),
        };
        var results = new List<EvaluationResult>();
        AnsiConsole.Progress().Start(progress =>
        {
            foreach (var (name, options) in modes)
            {
                var task = progress.AddTask(name, maxValue: cases.Count);
                results.Add(context.Evaluator.Run(name, cases, options, new Progress<int>(n => task.Value = n), cancellationToken));
            }
        });
        // The manifest hashes the reported files: done, and Ctrl-C heard, before any result is written.
        string manifest = source.ManifestJson(tuning: false, cases, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        EvaluationReport.Write(outDir, results, source.ReportingTitle(cases));
        File.WriteAllText(Path.Combine(outDir, "reporting-set.json"), manifest);
        // Written as plain text, as bench prints its table: Spectre.Console wraps markup at the console's width (80 when
        // output goes to a file), which would break every row of the table in a log.
        Console.Out.Write(EvaluationReport.MarkdownTable(results));
        if (recordInCard)
        {
            if (results.Any(r => !double.IsFinite(r.Dice)))
            {
                // Defence in depth: undefined metrics would erase the card's reporting numbers rather than replace them.
                throw new InvalidOperationException("The evaluation has no defined Dice (no anomalous case was scored): its metrics were not written to the model card.");
            }

            ModelPackage.SaveCard(parse.GetValue(Model)!, CardMetrics.Record(context.Card, profileName, adaptive, results));
            AnsiConsole.MarkupLine(
                "[green]{0}[/]",
                Markup.Escape($"Metrics of profile '{profileName}' ({adaptive.Describe()}) written to the model card"
                    + (context.Card.DefaultProfile is { } defaultProfile && defaultProfile != profileName ? $"; they are not those of the card's default profile '{defaultProfile}', and the card says so." : ".")));
        }

        return 0;
    }

    /// <summary>
    /// Loads the model and resolves the inputs; <paramref name="cancellationToken"/> stops the split of --data, which hashes
    /// its files. <paramref name="otherInputs"/> are the verb's input folders beyond the sets (the --out must lie outside them).
    /// </summary>
    private static (IEvaluationSource Source, DetectorContext Context) Prepare(ParseResult parse, CancellationToken cancellationToken, params (string Option, string? Folder)[] otherInputs)
    {
        var device = TorchDevice.Resolve(parse.GetValue(Device));
        EvaluationInputs.RequireOutputOutsideInputs(parse, parse.GetValue(Out)!, otherInputs);
        var region = OptionChoices.Is(parse.GetValue(Region), "whole-slice") ? MapRegion.WholeSlice : MapRegion.Foreground;
        var imageLabel = OptionChoices.Is(parse.GetValue(ImageLabel), "any-truth") ? ImageLabelRule.AnyTruth : ImageLabelRule.Reference;
        var context = DetectorContext.Load(parse.GetValue(Model)!, device, region, imageLabel);
        try
        {
            return (UnreadableInputException.Guard(() => EvaluationInputs.Resolve(parse, context.Card, parse.GetValue(Lesions), parse.GetValue(PerSlice), cancellationToken)), context);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses, before any inference, a set without anomalous cases where the results would need them (<paramref name="why"/>):
    /// an empty <paramref name="half"/> half of --data, or given sets with healthy scans only. Dice over no lesion is undefined, and a card written
    /// from it would lose its tuned profile or its reported metrics.
    /// </summary>
    private static void RequireAnomalousCases(ParseResult parse, IReadOnlyList<EvaluationCase> cases, string half, string why)
    {
        if (cases.Any(c => c.IsAnomalous))
        {
            return;
        }

        throw parse.GetValue(EvaluationInputs.Data) is { } data
            ? new EvaluationSetException(EvaluationSetProblem.EmptyAnomalousSet, data, $"{why}, and the {half} half of --data gives no slice with an inserted lesion (too few slices or subjects for both halves): nothing was run.")
            : new EvaluationSetException(EvaluationSetProblem.EmptyAnomalousSet, parse.GetValue(EvaluationInputs.Healthy) ?? "", $"{why}, and the given sets hold no anomalous slice: give --anomalous with --masks.");
    }

    /// <summary>
    /// Creates the --out folder and checks that a file can be written in it, before any inference: an unusable one (a
    /// file of that name, a folder without write permission) would otherwise fail only when the results are written,
    /// after minutes of inference.
    /// </summary>
    private static string CreateOutputFolder(ParseResult parse)
    {
        string folder = parse.GetValue(Out)!;
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".synomaly-write-check-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file where a folder of the path should be (ENOTDIR) reaches .NET as DirectoryNotFoundException, whose reason,
            // "a folder was not found", sent users looking for a missing folder: CreateDirectory makes the missing ones.
            string reason = HasFileAmongParents(folder) ? $"a part of its path is a file, not a folder ({e.GetType().Name})" : FileErrorReason.Of(e)!;
            throw new UsageException($"--out cannot be written to as a folder: {reason}; give a new or writable folder. Nothing was run.", e);
        }
    }

    /// <summary>Whether the deepest existing folder above <paramref name="path"/> is a file instead (file.csv/run).</summary>
    private static bool HasFileAmongParents(string path)
    {
        for (string? parent = Path.GetDirectoryName(Path.GetFullPath(path)); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent))
            {
                return true;
            }

            if (Directory.Exists(parent))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>
    /// The healthy slices of <paramref name="folder"/> as cases, prepared by the card's preset, refused if any of them is
    /// an evaluation file, under whatever name, link or copy: the residual they give shapes the threshold, so reading a
    /// reporting slice there would be tuning on the reported set. A cancelled <paramref name="cancellationToken"/> stops the
    /// comparison within 1 MiB of the file being hashed, and the preparation before the next slice.
    /// </summary>
    private static IReadOnlyList<EvaluationCase> HealthySlices(string folder, IEvaluationSource source, ModelCard card, CancellationToken cancellationToken)
    {
        var files = InputFiles.Resolve(folder, "--normative-data");
        // By real path (a linked folder or file) and by bytes (a hard link or copy): the same slice under another name.
        // Counted, not named: scan file names can carry patient data, and this line is the one pasted into tickets.
        // Both lists are read here, so a file that cannot be read is told by its own option, --normative-data or the set's.
        var normative = files.ToHashSet(StringComparer.Ordinal);
        string InputOf(string file) => normative.Contains(file) ? "--normative-data" : source.InputOf(file);
        if (SameFiles.CountIn(files, source.Files, InputOf, cancellationToken) is > 0 and var evaluated)
        {
            throw new UsageException($"--normative-data holds validation slices ({evaluated} of its files, links followed and contents compared, are files of the set tuned or reported on); give it the training folder, never the data that is tuned or reported on.");
        }

        var orientation = SliceOrientationNames.ParseRecorded(card.ExpectedSliceOrientation());
        return new EvaluationSetBuilder([], card.Architecture.ImageSize, lesionsPerSlice: 0, baseSeed: 0, orientation, ModalityNames.ParseRecorded(card.Preprocessing.Modality), "--normative-data").Build(files, cancellationToken: cancellationToken);
    }

    /// <summary>The integers of a comma list given to <paramref name="option"/>; an item that is not one is refused by name.</summary>
    private static int[] Ints(string list, string option) => [.. list.Split(',').Select(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
        ? value
        : throw new UsageException($"{option}: '{v.Trim()}' is not a whole number; give a comma list such as 150,250."))];

    /// <summary>The --grid an accepted value names (the option's validator has refused anything else).</summary>
    private static string GridName(string? value) => value!.Trim().ToLowerInvariant();

    private static NoiseSeeding NoiseSeedingOf(ParseResult parse) => OptionChoices.Is(parse.GetValue(Seeding), "batch") ? NoiseSeeding.Batch : NoiseSeeding.PerSlice;

    /// <summary>The finite numbers of a comma list given to <paramref name="option"/>; an item that is not one is refused by name.</summary>
    private static double[] Doubles(string list, string option) => [.. list.Split(',').Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
        ? value
        : throw new UsageException($"{option}: '{v.Trim()}' is not a finite number; give a comma list such as 0.15,0.25."))];

    /// <summary>A loaded model with its detector and evaluator; disposes the model.</summary>
    private sealed class DetectorContext : IDisposable
    {
        private DetectorContext(Synomaly.Diffusion.Model.UNet model, GaussianDiffusion diffusion, ModelCard card, TorchSharp.torch.Device device, MapRegion region, ImageLabelRule imageLabel)
        {
            ModelInstance = model;
            Diffusion = diffusion;
            Card = card;
            Evaluator = new Evaluator(new AnomalyDetector(model, diffusion), device, region: region, imageLabel: imageLabel);
        }

        public Synomaly.Diffusion.Model.UNet ModelInstance { get; }

        public GaussianDiffusion Diffusion { get; }

        public ModelCard Card { get; }

        public Evaluator Evaluator { get; }

        /// <summary>
        /// Loads the package given by --model; one that cannot be loaded or used (a card naming a modality or slice layout
        /// no preset knows) is refused before any work as a usage error, as detect and train --init-from refuse it.
        /// </summary>
        public static DetectorContext Load(string directory, TorchSharp.torch.Device device, MapRegion region, ImageLabelRule imageLabel)
        {
            try
            {
                var (model, card) = ModelPackage.Load(directory, device);
                try
                {
                    // The card's slice layout and modality choose how every scan is prepared.
                    SliceOrientationNames.ParseRecorded(card.ExpectedSliceOrientation());
                    ModalityNames.ParseRecorded(card.Preprocessing.Modality);
                    return new DetectorContext(model, new GaussianDiffusion(card.Schedule, card.Timesteps), card, device, region, imageLabel);
                }
                catch
                {
                    model.Dispose();
                    throw;
                }
            }
            catch (Exception e) when (ModelLoadRefusal.Applies(e))
            {
                throw ModelLoadRefusal.Of(e);
            }
        }

        public void Dispose()
        {
            ModelInstance.Dispose();
            Diffusion.Dispose();
        }
    }
}
