using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation.Tests;

/// <summary>`synomaly train --modality`: each modality prepares tiny synthetic scans with its own preset and noise, and says so in the card.</summary>
public sealed class TrainingModalityTests : IDisposable
{
    private const int Size = 32;

    private readonly string folder = Path.Combine(Path.GetTempPath(), "synomaly-modality-" + Guid.NewGuid().ToString("N"));

    public TrainingModalityTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("brain-mri", 3, 175, 0.5, 1, true)]
    [InlineData("liver-ct", 3, 175, 1.0, -1, false)]
    [InlineData("carotid-us", 7, 150, 0.5, 1, true)]
    public void Each_modality_defaults_to_the_released_synomaly_noise_and_the_reference_flips(
        string name, double sigma, double threshold, double offset, double direction, bool flips)
    {
        var options = TrainingModality.Parse(name).Apply(new TrainingOptions { Steps = 7, Seed = 3 });

        Assert.Equal((sigma, threshold, offset), (options.Noise.Sigma, options.Noise.Threshold, options.Noise.Offset));
        Assert.Equal([direction], options.Noise.Directions);
        Assert.Equal(flips, options.RandomFlips);
        Assert.Equal(name, options.DataPreparation);
        Assert.Equal((7, 3L), (options.Steps, options.Seed));
    }

    [Theory]
    [InlineData("brain-mri")]
    [InlineData("liver-ct")]
    [InlineData("carotid-us")]
    public void A_trained_card_records_the_display_slice_layout_its_training_read(string name)
    {
        var preprocessing = TrainingModality.Parse(name).Preprocessing(Size);

        Assert.Equal(Preprocessing.DisplayOrientation, preprocessing.SliceOrientation);
        Assert.Contains("\"slice_orientation\": \"display\"", System.Text.Json.JsonSerializer.Serialize(preprocessing, ModelCard.JsonOptions), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_modality_is_rejected_with_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingModality.Parse("knee-mri"));
        Assert.Contains("brain-mri, liver-ct, carotid-us", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Brain_mri_prepares_a_png_with_the_brain_preset_whole_frame_scaled()
    {
        string file = WritePng("head.png", 48, (x, y) => x is >= 8 and < 40 && y is >= 8 and < 40 ? (byte)(100 + (10 * ((x + y) % 7))) : (byte)0);

        var set = TrainingSet.Load([file], TrainingModality.BrainMri.Preset(Size), Size, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("brain-mri", set.PresetName);
        Assert.Equal(1, set.Count);
        Assert.Equal(-1f, set.Pixels[0], 0.01f);
    }

    [Fact]
    public void Liver_ct_clips_hounsfield_units_to_the_liver_window_before_scaling()
    {
        // Air, soft tissue at 30 HU and bone, in vertical bands.
        string file = WriteNifti("abdomen.nii.gz", x => x < 10 ? -1000f : x < 22 ? 30f : 1000f);

        var ct = TrainingSet.Load([file], TrainingModality.LiverCt.Preset(Size), Size, cancellationToken: TestContext.Current.CancellationToken);
        var brain = TrainingSet.Load([file], TrainingModality.BrainMri.Preset(Size), Size, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("ct", ct.PresetName);
        int centre = (16 * Size) + 16;
        Assert.Equal((2 * 30f / 150f) - 1f, ct.Pixels[centre], 0.02f);
        Assert.Equal((2 * 1030f / 2000f) - 1f, brain.Pixels[centre], 0.02f);
    }

    [Fact]
    public void Carotid_us_crops_the_dark_frame_around_the_imaged_area()
    {
        string file = WritePng("frame.png", 48, (x, y) => x is >= 8 and < 40 && y is >= 8 and < 40 ? (byte)(100 + (10 * ((x + y) % 7))) : (byte)0);

        var us = TrainingSet.Load([file], TrainingModality.CarotidUltrasound.Preset(Size), Size, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("ultrasound", us.PresetName);
        // The crop starts at the imaged area's corner (100 + 10 * (16 % 7) = 120 in a 100..160 range), not the black border.
        Assert.Equal(-1f / 3f, us.Pixels[0], 0.02f);
    }

    [Theory]
    [InlineData("brain-mri", typeof(BrainMriPreset), null)]
    [InlineData("liver-ct", typeof(CtPreset), "0 to 150 HU")]
    [InlineData("carotid-us", typeof(UltrasoundPreset), null)]
    public void The_model_card_names_the_modality_so_inference_picks_the_training_preset(string name, Type presetType, string? window)
    {
        var modality = TrainingModality.Parse(name);
        var architecture = new UNetConfig { ImageSize = 64, ModelChannels = 32, ChannelMult = "1,2", NumResBlocks = 1, AttentionResolutions = "2" };
        var options = modality.Apply(new TrainingOptions { Precision = TrainingPrecision.Bf16 });

        var card = ModelCard.FromJson(ModelCards.ForTraining("m", "1.0.0", architecture, modality, options, "synthetic", "CC0", 0.1).ToJson());

        Assert.Equal(name, card.DefaultProfile);
        Assert.Equal(name, card.Preprocessing.Modality);
        Assert.Equal(window, card.Preprocessing.Window);
        Assert.Equal(8, card.Profile().MinComponentSize);
        Assert.Equal("bf16", card.Provenance!.TrainingArgs!["Precision"]!.GetValue<string>());
        var trainedFor = ModalityNames.ParseRecorded(card.Preprocessing.Modality);
        // A file that states no modality (NIfTI, PNG) is prepared as the card's modality; one that states another is refused.
        Assert.IsType(presetType, ModalityPresets.For(ModalityHint.Auto, Modality.Unknown, 64, trainedFor));
    }

    [Fact]
    public void The_ultrasound_card_starts_from_the_authors_released_setting()
    {
        var profile = TrainingModality.CarotidUltrasound.StartingProfile(128);
        Assert.Equal([250], profile.Timesteps);
        Assert.Equal((15, 0.3, 30), (profile.BlurKernel, profile.Threshold, profile.MinComponentSize));
    }

    private string WritePng(string name, int size, Func<int, int, byte> value)
    {
        using var image = new Image<L8>(size, size);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                image[x, y] = new L8(value(x, y));
            }
        }

        string path = Path.Combine(folder, name);
        image.SaveAsPng(path);
        return path;
    }

    private string WriteNifti(string name, Func<int, float> valueAtColumn)
    {
        const int depth = 2;
        var voxels = new float[Size * Size * depth];
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = valueAtColumn(i % Size);
        }

        var volume = new Volume(voxels, Size, Size, depth, VolumeGeometry.Unit(), Modality.CT, new VolumeProvenance { Format = ScanFormat.NiftiGzip });
        string path = Path.Combine(folder, name);
        using var stream = File.Create(path);
        NiftiWriter.Write(stream, voxels, Size, Size, depth, NiftiGeometry.ForVolume(volume), NiftiDataType.Float32, gzip: true, "synthetic");
        return path;
    }
}
