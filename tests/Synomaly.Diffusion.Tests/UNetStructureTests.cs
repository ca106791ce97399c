using System.Text.Json;
using Synomaly.Diffusion.Model;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

public sealed class UNetStructureTests
{
    internal static UNetConfig TinyConfig { get; } = new()
    {
        ImageSize = 32,
        InChannels = 1,
        ModelChannels = 32,
        OutChannels = 1,
        NumResBlocks = 1,
        AttentionResolutions = "2,4",
        ChannelMult = "1,2,2",
        NumHeads = 2,
        NumHeadChannels = 16,
        Dropout = 0,
    };

    [Fact]
    public void Published_configuration_reproduces_the_462_reference_keys_and_shapes_in_order()
    {
        var expected = ReadKeyList(JsonDocument.Parse(File.ReadAllText(ReferenceFixture.Path("full_128_state_dict_keys.json"))).RootElement);
        using var model = new UNet(UNetConfig.Published);

        var actual = model.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();

        Assert.Equal(462, expected.Count);
        AssertSameKeys(expected, actual);
        Assert.Equal(98_619_009L, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Tiny_configuration_reproduces_the_216_reference_keys_and_shapes_in_order()
    {
        var expected = ReadKeyList(ReferenceFixture.Meta().GetProperty("keys"));
        using var model = new UNet(TinyConfig);

        var actual = model.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();

        Assert.Equal(216, expected.Count);
        AssertSameKeys(expected, actual);
    }

    [Fact]
    public void Configuration_defaults_and_parsing_follow_the_reference()
    {
        Assert.Equal([1.0, 1, 2, 3, 4], UNetConfig.Published.ResolveChannelMult());
        Assert.Equal([1.0, 2, 3, 4], (UNetConfig.Published with { ImageSize = 32 }).ResolveChannelMult());
        Assert.Equal([0.5, 1, 1, 2, 2, 4, 4], (UNetConfig.Published with { ImageSize = 512 }).ResolveChannelMult());
        Assert.Equal([1.0, 2, 2], TinyConfig.ResolveChannelMult());
        Assert.True(UNetConfig.Published.AttentionDownsampleFactors().SetEquals([32, 16, 8]));
        Assert.Equal(6, UNetConfig.Published.HeadsFor(384));
        Assert.Equal(2, (UNetConfig.Published with { NumHeadChannels = -1 }).HeadsFor(384));
        var defaults = new UNetConfig();
        Assert.Equal((64, 2, "32,16,8", 1, -1), (defaults.ModelChannels, defaults.NumResBlocks, defaults.AttentionResolutions, defaults.NumHeads, defaults.NumHeadChannels));
    }

    [Fact]
    public void Invalid_configurations_are_rejected_with_the_argument_named()
    {
        Assert.Contains("image size 96", Assert.Throws<InvalidModelConfigException>(() => (UNetConfig.Published with { ImageSize = 96 }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("attention_resolutions", Assert.Throws<InvalidModelConfigException>(() => (UNetConfig.Published with { AttentionResolutions = "16,x" }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("num_head_channels 48", Assert.Throws<InvalidModelConfigException>(() => new UNet(TinyConfig with { NumHeadChannels = 48 })).Message, StringComparison.Ordinal);
        Assert.Contains("GroupNorm", Assert.Throws<InvalidModelConfigException>(() => (TinyConfig with { ModelChannels = 20 }).Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Head_channels_are_checked_before_any_module_is_built_at_the_widths_of_the_attention_blocks_only()
    {
        using var model = new UNet(TinyConfig);
        var built = model.modules().OfType<AttentionBlock>().Select(b => b.Heads * TinyConfig.NumHeadChannels).ToHashSet();

        // 64 splits the attention blocks' 64 channels but not level 0's 32, which has no attention: the network builds.
        (TinyConfig with { NumHeadChannels = 64 }).Validate();
        var error = Assert.Throws<InvalidModelConfigException>(() => (TinyConfig with { NumHeadChannels = 48 }).Validate());

        Assert.Equal(built, TinyConfig.AttentionChannels().ToHashSet());
        Assert.Equal(nameof(UNetConfig.NumHeadChannels), error.Argument);
        Assert.Contains("num_head_channels 48", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(UNetConfig.ModelChannels), 0)]
    [InlineData(nameof(UNetConfig.ModelChannels), 20)] // GroupNorm's 32 groups
    [InlineData(nameof(UNetConfig.NumResBlocks), 0)]
    [InlineData(nameof(UNetConfig.ImageSize), 34)] // three levels halve it twice: a multiple of 4
    public void A_refused_configuration_names_the_property_at_fault(string property, int value)
    {
        var config = property switch
        {
            nameof(UNetConfig.ModelChannels) => TinyConfig with { ModelChannels = value },
            nameof(UNetConfig.NumResBlocks) => TinyConfig with { NumResBlocks = value },
            _ => TinyConfig with { ImageSize = value },
        };

        Assert.Equal(property, Assert.Throws<InvalidModelConfigException>(config.Validate).Argument);
    }

    [Theory]
    [InlineData(33, "1,2", 2)]
    [InlineData(36, "1,2,2,2", 8)]
    [InlineData(100, "", 16)]
    public void An_image_size_the_levels_cannot_halve_exactly_is_rejected_with_the_multiple_it_needs(int size, string channelMult, int multiple)
    {
        var config = TinyConfig with { ImageSize = size, ChannelMult = channelMult == "" ? "1,1,2,3,4" : channelMult };

        var error = Assert.Throws<InvalidModelConfigException>(() => config.Validate());

        Assert.Equal(multiple, config.ImageSizeMultiple());
        Assert.Contains($"image_size {size} must be a multiple of {multiple}", error.Message, StringComparison.Ordinal);
    }

    internal static List<(string Key, long[] Shape)> ReadKeyList(JsonElement keys) =>
        keys.EnumerateArray().Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList();

    private static void AssertSameKeys(List<(string Key, long[] Shape)> expected, List<(string Key, long[] Shape)> actual)
    {
        for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            Assert.True(expected[i].Key == actual[i].Key, $"key {i}: expected {expected[i].Key}, got {actual[i].Key}");
            Assert.True(expected[i].Shape.SequenceEqual(actual[i].Shape), $"{expected[i].Key}: expected [{string.Join(", ", expected[i].Shape)}], got [{string.Join(", ", actual[i].Shape)}]");
        }

        Assert.True(expected.Count == actual.Count,
            $"expected {expected.Count} keys, got {actual.Count}; first extra: {(actual.Count > expected.Count ? actual[expected.Count].Key : "-")}, first missing: {(expected.Count > actual.Count ? expected[actual.Count].Key : "-")}");
    }
}
