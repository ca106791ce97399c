using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Evaluation.Tests;

/// <summary>`synomaly train --region-mask &lt;folder&gt;`: masks pair with their images by path and are prepared like them.</summary>
public sealed class RegionMaskTrainingDataTests : IDisposable
{
    private const int Size = 32;

    private readonly string root = Path.Combine(Path.GetTempPath(), "synomaly-region-" + Guid.NewGuid().ToString("N"));

    public RegionMaskTrainingDataTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string WritePng(string relative, Func<int, int, byte> value)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<L8>(Size, Size);
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                image[x, y] = new L8(value(x, y));
            }
        }

        image.SaveAsPng(path);
        return path;
    }

    /// <summary>A head-like square in the upper left, with texture so min-max has a range inside it.</summary>
    private static byte Head(int x, int y) => x < 20 && y < 12 ? (byte)(120 + ((x + y) % 5)) : (byte)10;

    [Fact]
    public void A_mask_folder_mirrors_a_data_folder_and_pairs_by_relative_path()
    {
        string a = WritePng("data/sub-01/slice.png", Head);
        string b = WritePng("data/sub-02/slice.png", Head);
        WritePng("masks/sub-01/slice.png", Head);
        WritePng("masks/sub-02/slice.png", Head);

        var masks = RegionMaskFiles.Pair(Path.Combine(root, "data"), InputFiles.Resolve(Path.Combine(root, "data")), Path.Combine(root, "masks"));

        Assert.Equal([Path.Combine(root, "masks", "sub-01", "slice.png"), Path.Combine(root, "masks", "sub-02", "slice.png")], masks);
        Assert.Equal([a, b], InputFiles.Resolve(Path.Combine(root, "data")));
    }

    [Fact]
    public void Images_named_by_a_glob_pair_with_masks_of_the_same_file_name()
    {
        WritePng("data/one.png", Head);
        WritePng("masks/one.png", Head);
        string glob = Path.Combine(root, "data", "*.png");

        var masks = RegionMaskFiles.Pair(glob, InputFiles.Resolve(glob), Path.Combine(root, "masks"));

        Assert.Equal([Path.Combine(root, "masks", "one.png")], masks);
    }

    [Fact]
    public void Missing_masks_a_missing_folder_and_masks_inside_the_data_are_refused_by_option_and_position_never_by_path()
    {
        // Named by the option and the image's position: folder and file names can carry patient names.
        WritePng("Doe_Jane/one.png", Head);
        WritePng("Doe_Jane/two.png", Head);
        WritePng("masks/one.png", Head);
        string data = Path.Combine(root, "Doe_Jane");

        var missing = Assert.Throws<InvalidDataException>(() => RegionMaskFiles.Pair(data, InputFiles.Resolve(data), Path.Combine(root, "masks")));
        var noFolder = Assert.Throws<InputNotFoundException>(() => RegionMaskFiles.Pair(data, InputFiles.Resolve(data), Path.Combine(root, "Doe_Jane_masks")));
        WritePng("Doe_Jane/masks/one.png", Head);
        var inside = Assert.Throws<ArgumentException>(() => RegionMaskFiles.Pair(data, InputFiles.Resolve(data), Path.Combine(data, "masks")));

        Assert.Equal(
            "--region-mask: 1 of 2 training images have no region mask (a file with the same relative path in the folder), the first being file 2 of 2 in the training data.",
            missing.Message);
        Assert.Equal(("The --region-mask folder does not exist.", "--region-mask"), (noFolder.Message, noFolder.Option));
        Assert.StartsWith("The --region-mask folder lies inside the training data", inside.Message, StringComparison.Ordinal);
        Assert.All(new Exception[] { missing, noFolder, inside }, e => Assert.DoesNotContain("Doe_Jane", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_region_mask_on_another_grid_is_refused_by_the_image_s_position_never_by_path()
    {
        string image = WritePng("Doe_Jane/one.png", Head);
        string mask = Path.Combine(root, "masks", "Doe_Jane.png");
        Directory.CreateDirectory(Path.GetDirectoryName(mask)!);
        using (var small = new Image<L8>(Size / 2, Size / 2))
        {
            small.SaveAsPng(mask);
        }

        var e = Assert.Throws<InvalidDataException>(
            () => TrainingSet.Load([image], TrainingModality.BrainMri.Preset(Size), Size, [mask], cancellationToken: TestContext.Current.CancellationToken));

        Assert.StartsWith("The --region-mask mask of file 1 of 1 in the training data does not fit its image: The region mask is 16x16x1; its image is 32x32x1.", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_slice_carries_its_own_mask_prepared_on_the_same_grid_and_an_unreadable_mask_skips_its_image()
    {
        string kept = WritePng("data/kept.png", Head);
        string lost = WritePng("data/lost.png", Head);
        string keptMask = WritePng("masks/kept.png", (x, y) => x < 20 && y < 12 ? (byte)255 : (byte)0);
        string lostMask = Path.Combine(root, "masks", "lost.png");
        File.WriteAllBytes(lostMask, [1, 2, 3]);

        var set = TrainingSet.Load([kept, lost], TrainingModality.BrainMri.Preset(Size), Size, [keptMask, lostMask], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, set.Count);
        Assert.Contains(set.Skipped, s => s.File == lostMask);
        var masks = set.RegionMasks!;
        Assert.Equal(set.Pixels.Length, masks.Length);
        for (int i = 0; i < masks.Length; i++)
        {
            Assert.Equal(set.Pixels[i] > -0.5f ? 1f : -1f, masks[i]);
        }

        using var tensor = set.ToRegionMaskTensor()!;
        Assert.Equal([1L, 1, Size, Size], tensor.shape);
        Assert.Null(TrainingSet.Load([kept], TrainingModality.BrainMri.Preset(Size), Size, cancellationToken: TestContext.Current.CancellationToken).ToRegionMaskTensor());
    }

    [Fact]
    public void The_trained_model_card_records_the_region_mask()
    {
        var architecture = new UNetConfig { ImageSize = 64, ModelChannels = 32, ChannelMult = "1,2", NumResBlocks = 1, AttentionResolutions = "2" };
        var options = TrainingModality.CarotidUltrasound.Apply(new TrainingOptions()) with { RegionMask = RegionMaskSource.CentredDisk };

        var card = ModelCard.FromJson(ModelCards.ForTraining("m", "1.0.0", architecture, TrainingModality.CarotidUltrasound, options, "synthetic", "CC0", 0.1).ToJson());

        Assert.Equal("centred-disk", card.Provenance!.TrainingArgs!["RegionMask"]!.GetValue<string>());
    }
}
