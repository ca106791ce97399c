using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Training;

/// <summary>
/// Region masks in training (ALGORITHM.md 2.5, "Where R comes from"): the noise a step trains on keeps its blobs where the
/// mask, flipped with its image, is not −1; without a mask the step draws exactly what it always drew. The noise here is
/// brighter (d = +1) by at least 1000, so a blob pixel is any noise value above 100.
/// </summary>
public sealed class RegionMaskTrainingTests
{
    private const int Size = 32;
    private const int Images = 6;

    private static readonly SynomalyNoiseOptions BrightBlobs = new(3, 175, 1000, [1]);

    /// <summary>The trainer needs a model with parameters; drawing a step's inputs never runs it.</summary>
    private sealed class IdleModel : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> body = nn.Conv2d(1, 1, 3, padding: 1);

        public IdleModel() : base(nameof(IdleModel)) => RegisterComponents();

        public override Tensor forward(Tensor x, Tensor t) => body.call(x);
    }

    private static TrainingOptions Options(RegionMaskSource mask, SynomalyNoiseOptions? noise = null) => new()
    {
        BatchSize = 8,
        Noise = noise ?? BrightBlobs,
        RegionMask = mask,
        Seed = 21,
    };

    /// <summary>Images with no symmetry, so that a mask derived from one tells which image and which flips it went with.</summary>
    private static Tensor AsymmetricImages()
    {
        using var generator = new Generator(3);
        return (rand([Images, 1, Size, Size], generator: generator) * 2) - 1;
    }

    private static Tensor BlobPixels(Tensor noise) => noise.gt(100);

    /// <summary>+1 where the image is positive, −1 elsewhere: a mask that can only match its own image in its own flips.</summary>
    private static Tensor SignMask(Tensor images) => (images.gt(0).to_type(ScalarType.Float32) * 2) - 1;

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void With_the_centred_disk_every_blob_of_a_steps_noise_lies_inside_the_disk_flipped_with_its_image()
    {
        using var scope = NewDisposeScope();
        using var model = new IdleModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var images = AsymmetricImages();
        using var trainer = new DiffusionTrainer(model, diffusion, images, Options(RegionMaskSource.CentredDisk), CPU);
        var disk = CentredDiskMask.Create(Size, CPU);
        Tensor[] orientations = [disk, disk.flip(3), disk.flip(2), disk.flip(2, 3)];
        long blobs = 0;

        for (int step = 0; step < 10; step++)
        {
            var draws = trainer.Draw();
            var masks = draws.RegionMasks!;
            var blob = BlobPixels(draws.Noise);
            blobs += blob.sum().item<long>();

            Assert.False(blob.logical_and(masks.eq(-1)).any().item<bool>(), "a blob outside the disk");
            for (int i = 0; i < masks.shape[0]; i++)
            {
                var mask = masks[i].unsqueeze(0);
                Assert.Contains(orientations, o => Same(o, mask));
            }
        }

        Assert.True(blobs > 0, "the noise had blobs inside the disk");
    }

    [Fact]
    public void Without_a_region_mask_blobs_do_fall_outside_the_disk()
    {
        // The other half of the disk test: the same draws without the mask put blobs in the corners.
        using var scope = NewDisposeScope();
        using var model = new IdleModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var trainer = new DiffusionTrainer(model, diffusion, AsymmetricImages(), Options(RegionMaskSource.None), CPU);
        var outside = CentredDiskMask.Create(Size, CPU).eq(-1).logical_and(CentredDiskMask.Create(Size, CPU).flip(2, 3).eq(-1));

        long blobsOutside = Enumerable.Range(0, 10).Sum(_ => BlobPixels(trainer.Draw().Noise).logical_and(outside).sum().item<long>());

        Assert.True(blobsOutside > 0);
    }

    [Fact]
    public void Without_a_region_mask_a_step_draws_the_batch_flips_timesteps_and_noise_it_always_drew()
    {
        using var scope = NewDisposeScope();
        using var model = new IdleModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var images = AsymmetricImages();
        // With replacement, as every run before epoch sampling (the default now, which draws a permutation first).
        var options = Options(RegionMaskSource.None, SynomalyNoiseOptions.Brats) with { Sampling = BatchSampling.Replacement };
        using var trainer = new DiffusionTrainer(model, diffusion, images, options, CPU);

        var draws = trainer.Draw();

        // The order of draws every run has used: indices, horizontal then vertical flips, t, then the Synomaly noise.
        using var generator = SeededDraws.CpuGenerator(options.Seed);
        var indices = SeededDraws.Integers(Images, [8], CPU, generator);
        var batch = images.index_select(0, indices);
        var flipH = (SeededDraws.Uniform([8, 1, 1, 1], CPU, generator) < 0.5).expand_as(batch);
        batch = where(flipH, batch.flip(3), batch);
        var flipV = (SeededDraws.Uniform([8, 1, 1, 1], CPU, generator) < 0.5).expand_as(batch);
        batch = where(flipV, batch.flip(2), batch);
        var t = SeededDraws.Integers(diffusion.Timesteps, [8], CPU, generator);
        var noise = SynomalyNoise.Sample([8, 1, Size, Size], options.Noise, CPU, generator);
        Assert.True(Same(draws.Images, batch));
        Assert.True(Same(draws.Timesteps, t));
        Assert.True(Same(draws.Noise, noise));
        Assert.Null(draws.RegionMasks);
    }

    [Fact]
    public void Per_image_masks_go_with_their_images_through_the_draw_and_the_flips()
    {
        using var scope = NewDisposeScope();
        using var model = new IdleModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var images = AsymmetricImages();
        var masks = SignMask(images);
        using var trainer = new DiffusionTrainer(model, diffusion, images, Options(RegionMaskSource.PerImage), CPU, masks);
        long blobs = 0;

        for (int step = 0; step < 5; step++)
        {
            var draws = trainer.Draw();
            var blob = BlobPixels(draws.Noise);
            blobs += blob.sum().item<long>();

            Assert.True(Same(draws.RegionMasks!, SignMask(draws.Images)), "each mask is its own image's, flipped with it");
            Assert.False(blob.logical_and(draws.RegionMasks!.eq(-1)).any().item<bool>(), "a blob where the mask is -1");
        }

        Assert.True(blobs > 0);
    }

    [Fact]
    public void Masks_that_do_not_match_the_option_or_the_images_are_refused()
    {
        using var scope = NewDisposeScope();
        using var model = new IdleModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var images = AsymmetricImages();
        var masks = ones_like(images);

        Assert.Throws<ArgumentException>(() => new DiffusionTrainer(model, diffusion, images, Options(RegionMaskSource.PerImage), CPU));
        Assert.Throws<ArgumentException>(() => new DiffusionTrainer(model, diffusion, images, Options(RegionMaskSource.PerImage), CPU, masks.narrow(0, 0, 2)));
        Assert.Throws<ArgumentException>(() => new DiffusionTrainer(model, diffusion, images, Options(RegionMaskSource.None), CPU, masks));
        Assert.Throws<ArgumentException>(() => new DiffusionTrainer(model, diffusion, images.narrow(3, 0, 16), Options(RegionMaskSource.CentredDisk), CPU));
    }

    [Theory]
    [InlineData(128, 58)]
    [InlineData(64, 29)]
    [InlineData(256, 116)]
    [InlineData(88, 39)]
    public void The_disk_radius_is_the_references_size_floor_divided_by_2_2(int size, double radius)
    {
        Assert.Equal(radius, CentredDiskMask.Radius(size));
    }

    [Fact]
    public void The_disk_at_128_pixels_is_centred_at_64_64_with_radius_58_and_minus_one_outside()
    {
        using var scope = NewDisposeScope();

        var disk = CentredDiskMask.Create(128, CPU);

        Assert.Equal([1L, 1, 128, 128], disk.shape);
        Assert.Equal(1f, disk[0, 0, 64, 64 + 58].item<float>());
        Assert.Equal(-1f, disk[0, 0, 64, 64 + 59].item<float>());
        Assert.Equal(1f, disk[0, 0, 64 - 58, 64].item<float>());
        Assert.Equal(-1f, disk[0, 0, 0, 0].item<float>());
        Assert.True(disk.abs().eq(1).all().item<bool>(), "only 1 and -1");
    }
}
