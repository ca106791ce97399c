using Synomaly.Contracts;

namespace Synomaly.Contracts.Tests;

public sealed class ModalityNamesTests
{
    [Theory]
    [InlineData(ModalityHint.BrainMri, "brain-mri")]
    [InlineData(ModalityHint.LiverCt, "liver-ct")]
    [InlineData(ModalityHint.CarotidUltrasound, "carotid-us")]
    public void Every_concrete_modality_has_a_short_name_that_parses_back(ModalityHint hint, string name)
    {
        Assert.Equal(name, ModalityNames.Of(hint));
        Assert.True(ModalityNames.TryParse(name, out var parsed));
        Assert.Equal(hint, parsed);
        Assert.True(ModalityNames.TryParse(hint.ToString().ToUpperInvariant(), out parsed));
        Assert.Equal(hint, parsed);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("knee-mri")]
    [InlineData("")]
    [InlineData(null)]
    public void Auto_and_unknown_names_do_not_parse(string? name)
    {
        Assert.False(ModalityNames.TryParse(name, out var hint));
        Assert.Equal(ModalityHint.Auto, hint);
    }

    [Fact]
    public void Auto_has_no_name() => Assert.Throws<ArgumentOutOfRangeException>(() => ModalityNames.Of(ModalityHint.Auto));
}
