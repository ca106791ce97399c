using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Training;

namespace Synomaly.Diffusion.Tests.Training;

public sealed class ModelConfigDifferenceTests
{
    [Fact]
    public void The_same_network_written_two_ways_is_no_difference()
    {
        var published = UNetConfig.Published;

        Assert.Null(ModelConfigDifference.Between(published, published with { ChannelMult = "1,1,2,3,4", AttentionResolutions = "8, 16,32" }));
    }

    [Fact]
    public void The_first_difference_is_named_with_its_train_option_and_both_values()
    {
        var published = UNetConfig.Published;

        Assert.Equal(new ModelConfigDifference("image size", "--size", "128", "256"), ModelConfigDifference.Between(published, published with { ImageSize = 256 }));
        Assert.Equal(
            new ModelConfigDifference("channel multipliers", "--channel-mult", "1,1,2,3,4", "1,2,2,4,4"),
            ModelConfigDifference.Between(published, published with { ChannelMult = "1,2,2,4,4" }));
        Assert.Equal(new ModelConfigDifference("attention heads", null, "2", "4"), ModelConfigDifference.Between(published, published with { NumHeads = 4 }));
    }
}
