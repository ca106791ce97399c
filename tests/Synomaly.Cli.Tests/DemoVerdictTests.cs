using Synomaly.Cli.Local;
using Synomaly.Contracts;

namespace Synomaly.Cli.Tests;

public sealed class DemoVerdictTests
{
    private static DemoJob Job(string file, JobState state, string? error = null) =>
        new("scan-" + file, Path.Combine("samples", file)) { State = state, Error = error, ExpectedFailure = file.Contains("bad", StringComparison.Ordinal) };

    [Fact]
    public void The_demo_passes_when_every_sample_succeeds_and_the_bad_one_fails_with_the_reason_its_name_gives()
    {
        Assert.Empty(DemoVerdict.Problems(
        [
            Job("colin27-healthy.png", JobState.Succeeded),
            Job("bad-truncated.dcm", JobState.Failed, "Truncated: DICOM file is truncated"),
            Job("bad-modality-mismatch.dcm", JobState.Failed, "ModalityMismatch: The scan states modality CT (liver-ct), but the model was trained for brain-mri."),
        ]));
    }

    [Fact]
    public void A_bad_sample_that_succeeds_or_fails_for_another_reason_fails_the_demo_naming_the_sample()
    {
        var succeeded = Assert.Single(DemoVerdict.Problems([Job("bad-truncated.dcm", JobState.Succeeded)]));
        var otherReason = Assert.Single(DemoVerdict.Problems([Job("bad-truncated.dcm", JobState.Failed, "Malformed: not DICOM")]));

        Assert.Equal("bad-truncated.dcm ended Succeeded; expected Failed with reason truncated", succeeded);
        Assert.Equal("bad-truncated.dcm ended Failed (Malformed: not DICOM); expected Failed with reason truncated", otherReason);
    }

    [Fact]
    public void A_good_sample_that_fails_fails_the_demo_naming_the_sample()
    {
        var problem = Assert.Single(DemoVerdict.Problems([Job("colin27-healthy.png", JobState.Failed, "Malformed: x"), Job("mr-small.dcm", JobState.Succeeded)]));

        Assert.Equal("colin27-healthy.png ended Failed (Malformed: x); expected Succeeded", problem);
    }
}
