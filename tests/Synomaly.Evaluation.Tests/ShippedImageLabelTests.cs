using System.Globalization;
using System.Text.Json;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// The image label became the reference's (more than one truth pixel, <see cref="ImageLabelRule.Reference"/>) after every
/// shipped number was published with every lesion case ranked as anomalous. docs/EVALUATION.md says no published number
/// changes because no shipped case has a single truth pixel; this reads every shipped set manifest and case table to hold
/// it to that: a one-pixel lesion case in any of them would rank as healthy now, and its image AUROC would be stale.
/// </summary>
public sealed class ShippedImageLabelTests
{
    private static readonly string Shipped = Path.Combine(TestPaths.RepositoryRoot, "docs", "evaluation");

    [Fact]
    public void No_lesion_case_of_a_shipped_set_manifest_has_a_single_truth_pixel()
    {
        var manifests = Directory.GetFiles(Shipped, "*-set.json", SearchOption.AllDirectories);
        Assert.Contains(manifests, m => Path.GetFileName(m) == "reporting-set.json");
        Assert.Contains(manifests, m => Path.GetFileName(m) == "tuning-set.json");
        foreach (var manifest in manifests)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(manifest));
            var areas = json.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("truthArea").GetInt32()).Where(a => a > 0).ToList();
            Assert.NotEmpty(areas);
            Assert.True(areas.Min() > 1, $"{Path.GetRelativePath(Shipped, manifest)}: a lesion case of {areas.Min()} truth pixel");
        }
    }

    [Fact]
    public void Every_subject_of_the_shipped_reporting_set_has_both_classes_so_no_image_ranking_resample_is_left_out()
    {
        // docs/EVALUATION.md: no resample of the shipped run drew one class only. A subject bootstrap draws whole subjects,
        // so that holds when each subject (here each source file) has a healthy image and an anomalous one.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Shipped, "reporting-set.json")));
        var subjects = json.RootElement.GetProperty("cases").EnumerateArray()
            .GroupBy(c => c.GetProperty("source").GetString(), StringComparer.Ordinal)
            .Select(g => g.Select(c => c.GetProperty("truthArea").GetInt32()).ToList()).ToList();

        Assert.Equal(29, subjects.Count);
        Assert.All(subjects, areas => Assert.True(areas.Contains(0) && areas.Any(a => a > 1), "a subject with one class only"));
    }

    [Fact]
    public void No_lesion_row_of_a_shipped_case_table_has_a_single_truth_pixel()
    {
        var tables = Directory.GetFiles(Shipped, "cases.csv", SearchOption.AllDirectories);
        Assert.NotEmpty(tables);
        foreach (var table in tables)
        {
            // mode,case,intensity,shape,truth_px,...: a healthy row has intensity "healthy" and no truth.
            var areas = File.ReadLines(table).Skip(1).Select(l => l.Split(',')).Where(c => c[2] != "healthy")
                .Select(c => int.Parse(c[4], CultureInfo.InvariantCulture)).ToList();
            Assert.NotEmpty(areas);
            Assert.True(areas.Min() > 1, $"{Path.GetRelativePath(Shipped, table)}: a lesion row of {areas.Min()} truth pixel");
        }
    }
}
