using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Training;

namespace Synomaly.Diffusion.Tests.Training;

public sealed class RecordedNoiseTests
{
    public static TheoryData<SynomalyNoiseOptions> Noises =>
    [
        SynomalyNoiseOptions.Brats,
        SynomalyNoiseOptions.Lits,
        SynomalyNoiseOptions.Ultrasound,
        SynomalyNoiseOptions.Brats with { Directions = [1, -1] },
        new SynomalyNoiseOptions(1.0 / 3, 174.25, 1e-7, [0.1, -2.5]),
    ];

    [Theory]
    [MemberData(nameof(Noises))]
    public void A_checkpoint_s_noise_record_reads_back_as_the_noise_it_records(SynomalyNoiseOptions noise)
    {
        var read = RecordedNoise.Parse(noise.Describe());

        Assert.NotNull(read);
        Assert.Equal(noise.Describe(), read.Describe());
        Assert.Equal((noise.Sigma, noise.Threshold, noise.Offset), (read.Sigma, read.Threshold, read.Offset));
        Assert.Equal(noise.Directions, read.Directions);
    }

    [Theory]
    [InlineData("")]
    [InlineData("brain-mri")]
    [InlineData("σ 3, τ 175, offset x, direction 1")]
    public void A_record_in_another_form_reads_as_unknown(string described) => Assert.Null(RecordedNoise.Parse(described));

    [Fact]
    public void The_options_to_restore_are_the_noise_options_that_differ_with_the_checkpoint_s_values()
    {
        var trained = SynomalyNoiseOptions.Brats with { Directions = [1, -1] };

        Assert.Equal("--noise-direction 1,-1", RecordedNoise.OptionsToRestore(trained, SynomalyNoiseOptions.Brats));
        Assert.Equal("--noise-sigma 3 --noise-offset 0.5 --noise-direction 1,-1", RecordedNoise.OptionsToRestore(trained, new SynomalyNoiseOptions(7, 175, 1, [1])));
        Assert.Equal("", RecordedNoise.OptionsToRestore(trained, trained));
    }
}
