using System.CommandLine;
using System.CommandLine.Parsing;
using Synomaly.Contracts;
using Synomaly.Diffusion.Weights;
using Synomaly.Evaluation;
using Synomaly.Imaging.Presets;

namespace Synomaly.Cli.Commands;

/// <summary>
/// What <c>tune</c> and <c>evaluate</c> read: either <c>--data</c>, a folder of healthy validation slices that is split
/// by subject into tuning and reporting halves and receives synthetic lesions (docs/EVALUATION.md), or sets used as given,
/// <c>--healthy</c> and/or <c>--anomalous</c> with <c>--masks</c> (real scans and their segmentations; for tune the tuning
/// set, for evaluate the reporting set). Slices are prepared by the preset of the model card's modality, laid out as the
/// card records.
/// </summary>
internal static class EvaluationInputs
{
    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Validation folder of healthy 2-D slices: split by subject into tuning and reporting halves, with synthetic lesions inserted (the published protocol). Not with --healthy/--anomalous.",
    };

    public static readonly Option<string?> Healthy = new("--healthy")
    {
        Description = "Healthy scans used as given (folder, glob or .txt manifest; PNG slices or volumes, whose slices the model's preset selects): no split, no synthetic lesions.",
    };

    public static readonly Option<string?> Anomalous = new("--anomalous")
    {
        Description = "Anomalous scans used as given (folder, glob or .txt manifest), each with its mask in --masks; a slice counts when its mask marks a lesion there.",
    };

    public static readonly Option<string?> Masks = new("--masks")
    {
        Description = "Masks of the --anomalous scans (non-zero = lesion, on the image's grid and stored like it): a folder, paired by file name stem (sub-01.nii.gz <-> masks/sub-01.nii.gz), or a .csv/.tsv manifest of image,mask lines.",
    };

    /// <summary>Adds the input options to <paramref name="command"/> with the rule that one kind of input is given, and only options that apply to it.</summary>
    public static void AddTo(Command command, Option lesionMap, Option lesionsPerSlice, bool needsAnomalous)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Data);
        command.Options.Add(Healthy);
        command.Options.Add(Anomalous);
        command.Options.Add(Masks);
        command.Validators.Add(result =>
        {
            bool Given(Option option) => result.GetResult(option) is { Implicit: false };
            bool data = Given(Data), given = Given(Healthy) || Given(Anomalous) || Given(Masks);
            string? error = (data, given) switch
            {
                (true, true) => "--data (a validation folder split by subject, with synthetic lesions) cannot be combined with --healthy, --anomalous or --masks (sets used as given): choose one.",
                (false, false) => "Give --data <validation folder> (split by subject, synthetic lesions), or --healthy and/or --anomalous with --masks (your own scans, used as given).",
                (false, true) when Given(Anomalous) != Given(Masks) => "--anomalous and --masks go together: every anomalous scan needs its mask.",
                (false, true) when needsAnomalous && !Given(Anomalous) => $"{command.Name} chooses settings by Dice, so it needs lesions: give --anomalous with --masks.",
                (false, true) when Given(lesionMap) || Given(lesionsPerSlice) => $"{lesionMap.Name} and {lesionsPerSlice.Name} shape the synthetic lesions of --data; sets given with --healthy/--anomalous get none.",
                _ => null,
            };
            if (error is not null)
            {
                result.AddError(error);
            }
        });
    }

    /// <summary>
    /// The inputs of <paramref name="parse"/>, prepared as <paramref name="card"/> says (its modality's preset, size and slice
    /// layout). <paramref name="cancellationToken"/> stops the split of --data, which hashes its files.
    /// </summary>
    public static IEvaluationSource Resolve(ParseResult parse, ModelCard card, string? lesionMap, int lesionsPerSlice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(card);
        int size = card.Architecture.ImageSize;
        var orientation = SliceOrientationNames.ParseRecorded(card.ExpectedSliceOrientation());
        var trainedFor = ModalityNames.ParseRecorded(card.Preprocessing.Modality);
        return parse.GetValue(Data) is { } data
            ? EvaluationPlan.Create(NonEmpty(data), lesionMap, size, lesionsPerSlice, orientation, trainedFor, cancellationToken)
            : GivenSets.Resolve(parse.GetValue(Healthy), parse.GetValue(Anomalous), parse.GetValue(Masks), size, orientation, trainedFor);
    }

    /// <summary>
    /// Refuses an --out inside a folder given as an input, before anything is read or written: what tune and evaluate
    /// write there (tables, JSON, plots) would be read as scans by the next run on that folder. With --data the split then
    /// changed, and evaluate refused to report on the same --data tune had been given, telling the user to give it.
    /// <paramref name="otherInputs"/> are the verb's other input folders (tune's --normative-data, whose next run would
    /// measure the healthy residual on tune's plots). Compared by real path: an --out through a link into the folder is
    /// inside it too.
    /// </summary>
    public static void RequireOutputOutsideInputs(ParseResult parse, string output, params IEnumerable<(string Option, string? Folder)> otherInputs)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(otherInputs);
        var inputs = new[] { Data, Healthy, Anomalous, Masks }.Select(option => (Option: option.Name, Folder: parse.GetValue(option))).Concat(otherInputs);
        // Only --out can: an input is asked only when it is a folder, and a path through a loop is none.
        RequireNoLinkLoop(output, "--out");
        foreach (var (option, input) in inputs)
        {
            if (input is not null && Directory.Exists(input) && PathContainment.ContainsFollowingLinks(input, output))
            {
                string split = option == Data.Name ? " (its split would change)" : "";
                throw new UsageException(
                    $"--out lies inside {option}: what tune and evaluate write there would be read as scans by the next run on {option}{split}; give an --out outside it. Nothing was run.");
            }
        }
    }

    /// <summary>
    /// Refuses <paramref name="path"/> when its links cannot be followed to the end (a loop), told by the option that holds
    /// it: <see cref="RealPath"/>'s own message can only say "a path".
    /// </summary>
    private static void RequireNoLinkLoop(string path, string option)
    {
        try
        {
            _ = RealPath.Of(path);
        }
        catch (SymbolicLinkLoopException e)
        {
            throw new UsageException($"{option} goes through {SymbolicLinkLoopException.Reason}: give a path without one. Nothing was run.", e);
        }
    }

    /// <summary>
    /// The files --data names, refused when there are none (an empty folder, a pattern that matches nothing), as given sets
    /// are: by the option, never by the path, which can carry patient names.
    /// </summary>
    private static IReadOnlyList<string> NonEmpty(string data)
    {
        var files = InputFiles.Resolve(data, Data.Name);
        return files.Count > 0 ? files : throw new EvaluationSetException(EvaluationSetProblem.EmptySet, data, "--data names no file (an empty folder, a pattern that matches nothing or an empty manifest): give a folder of healthy validation slices.");
    }
}
