using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

/// <summary>The authors' tiny checkpoint, read by the project's importer, reproduces the reference's outputs.</summary>
public sealed class ReferenceParityTests
{
    private static readonly long[] TinyShape = [2, 1, 32, 32];

    [Fact]
    public void Importer_reads_weights_args_epoch_and_loss_of_the_authors_checkpoint()
    {
        using var checkpoint = TorchCheckpointReader.Read(ReferenceFixture.Path("tiny_unet_checkpoint.pt"));

        var expectedKeys = UNetStructureTests.ReadKeyList(ReferenceFixture.Meta().GetProperty("keys"));
        Assert.Equal(expectedKeys.Select(k => k.Key).Order(), checkpoint.ModelStateDict.Keys.Order());
        Assert.All(expectedKeys, k => Assert.Equal(k.Shape, checkpoint.ModelStateDict[k.Key].shape));
        Assert.All(checkpoint.ModelStateDict, kv => Assert.Equal(ScalarType.Float32, kv.Value.dtype));
        Assert.Equal(32L, checkpoint.Args["img_size"]);
        Assert.Equal("2,4", checkpoint.Args["attention_resolutions"]);
        Assert.Equal("cosine", checkpoint.Args["beta_schedule"]);
        var noise = Assert.IsType<Dictionary<string, object?>>(checkpoint.Args["noise_params"]);
        Assert.Equal(0.5, noise["anomaly_offset"]);
        Assert.NotNull(checkpoint.Epoch);
        Assert.True(checkpoint.Loss is > 0 and < 100, $"loss {checkpoint.Loss}");
    }

    [Fact]
    public void Model_built_from_the_checkpoint_args_reproduces_the_reference_eps()
    {
        using var scope = NewDisposeScope();
        using var model = LoadTinyModel();
        var x = ReferenceFixture.ReadTensor("tiny_input_x.f32", TinyShape);
        var expected = ReferenceFixture.ReadTensor("tiny_output_eps.f32", TinyShape);

        using var inference = inference_mode();
        var eps = model.call(x, tensor(new long[] { 10, 500 }));

        float error = (eps - expected).abs().max().item<float>();
        Assert.True(error < 1e-4f, $"max |eps - reference| = {error}");
        Assert.True(expected.abs().max().item<float>() > 0.1f, "the reference output is not trivially small");
    }

    [Fact]
    public void One_stage_reconstruction_reproduces_the_reference_x0_prediction()
    {
        using var scope = NewDisposeScope();
        using var model = LoadTinyModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var xt = ReferenceFixture.ReadTensor("tiny_stage_xt.f32", TinyShape);
        var expected = ReferenceFixture.ReadTensor("tiny_stage_x0pred.f32", TinyShape);
        var t = full(2, 250L, dtype: int64);

        using var inference = inference_mode();
        var x0 = diffusion.PredictX0(xt, t, model.call(xt, t));

        float error = (x0 - expected).abs().max().item<float>();
        Assert.True(error < 1e-4f, $"max |x0 - reference| = {error}");
    }

    [Fact]
    public void Config_is_inferred_from_the_weights_alone_for_a_bare_state_dict()
    {
        using var checkpoint = TorchCheckpointReader.Read(ReferenceFixture.Path("tiny_unet_checkpoint.pt"));
        var shapes = checkpoint.ModelStateDict.ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        var inferred = CheckpointModelConfig.Infer(shapes);

        Assert.Equal((1, 32, 1, 1, "1,2,2"), (inferred.InChannels, inferred.ModelChannels, inferred.OutChannels, inferred.NumResBlocks, inferred.ChannelMult));
        Assert.True(inferred.AttentionDownsampleFactors().SetEquals([2, 4]));
    }

    internal static UNet LoadTinyModel()
    {
        using var checkpoint = TorchCheckpointReader.Read(ReferenceFixture.Path("tiny_unet_checkpoint.pt"));
        var config = CheckpointModelConfig.FromCheckpoint(checkpoint);
        Assert.Equal(UNetStructureTests.TinyConfig, config);
        var model = new UNet(config);
        StateDictLoader.LoadStrict(model, checkpoint.ModelStateDict);
        model.eval();
        return model;
    }
}
