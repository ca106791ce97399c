using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

public sealed class WeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("synomaly-weights-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Safetensors_round_trip_keeps_names_dtypes_shapes_values_and_metadata()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(_dir, "t.safetensors");
        var a = randn(3, 5);
        var b = arange(7, dtype: int64);
        var c = randn(2, 2).to_type(ScalarType.BFloat16);
        Safetensors.Write(path, [new("a", a), new("b.long", b), new("c", c)], new Dictionary<string, string> { ["who"] = "test" });

        using var file = Safetensors.Read(path);

        Assert.Equal("test", file.Metadata["who"]);
        Assert.True(file.Tensors["a"].eq(a).all().item<bool>());
        Assert.True(file.Tensors["b.long"].eq(b).all().item<bool>());
        Assert.Equal(ScalarType.BFloat16, file.Tensors["c"].dtype);
        Assert.True(file.Tensors["c"].eq(c).all().item<bool>());
        Assert.Equal(0, (new FileInfo(path).Length - 8 - (3 * 5 * 4) - (7 * 8) - (4 * 2)) % 8);
    }

    [Fact]
    public void Safetensors_write_frees_each_host_copy_it_makes()
    {
        string path = Path.Combine(_dir, "t.safetensors");
        using var a = randn(3, 5);
        using var b = randn(4, 2).t(); // not contiguous: written through a contiguous copy
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // No dispose scope, as a caller may write: each tensor's detached, host and contiguous copies are the writer's own.
        Safetensors.Write(path, [new("a", a), new("b", b)]);

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Safetensors_rejects_a_truncated_file_with_the_tensor_named()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(_dir, "t.safetensors");
        Safetensors.Write(path, [new("weight", ones(4, 4))]);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^8]);

        var error = Assert.Throws<CheckpointFormatException>(() => Safetensors.Read(path));
        Assert.Contains("'weight'", error.Message, StringComparison.Ordinal);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<CheckpointFormatException>(() => Safetensors.Read(path));
    }

    [Fact]
    public void Model_package_round_trip_gives_the_same_network_and_card()
    {
        using var scope = NewDisposeScope();
        using var checkpoint = TorchCheckpointReader.Read(ReferenceFixture.Path("tiny_unet_checkpoint.pt"));
        using var original = CheckpointImporter.BuildModel(checkpoint);
        var card = CheckpointImporter.CreateCard(checkpoint, original.Config, ReferenceFixture.Path("tiny_unet_checkpoint.pt"), "tiny", "1.0.0");
        ModelPackage.Save(_dir, original, card);

        var (loaded, loadedCard) = ModelPackage.Load(_dir, CPU);
        using (loaded)
        {
            Assert.False(loaded.training);
            Assert.Equal(original.Config, loadedCard.Architecture);
            Assert.Equal((BetaSchedule.Cosine, 1000, "default"), (loadedCard.Schedule, loadedCard.Timesteps, loadedCard.DefaultProfile));
            Assert.Equal(InferenceProfile.ReleasedUltrasound.Timesteps, loadedCard.Profile().Timesteps);
            Assert.Equal(64, loadedCard.Provenance!.SourceSha256!.Length);
            Assert.Equal("fixture", loadedCard.Provenance.TrainingArgs!["dataset"]!.GetValue<string>());
            var x = randn(1, 1, 32, 32);
            var t = tensor(new long[] { 77 });
            using var inference = inference_mode();
            Assert.True(original.call(x, t).eq(loaded.call(x, t)).all().item<bool>());
        }

        // The card alone reads without the weights; a folder without a card is refused by name.
        File.Delete(Path.Combine(_dir, ModelPackage.WeightsFile));
        Assert.Equal(card.Architecture, ModelPackage.LoadCard(_dir).Architecture);
        File.Delete(Path.Combine(_dir, ModelPackage.CardFile));
        var missing = Assert.Throws<MissingModelFileException>(() => ModelPackage.LoadCard(_dir));
        Assert.Contains(ModelPackage.CardFile, missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_card_json_uses_snake_case_and_string_enums()
    {
        var card = new ModelCard
        {
            Name = "m",
            Version = "2",
            Architecture = UNetStructureTests.TinyConfig,
            Preprocessing = new Preprocessing { ImageSize = UNetStructureTests.TinyConfig.ImageSize },
            InferenceProfiles = new Dictionary<string, InferenceProfile> { ["brain-mri"] = new() { Timesteps = [200], BlurKernel = 9, Threshold = 0.1, Fusion = FusionMode.Binary } },
            DefaultProfile = "brain-mri",
        };

        string json = card.ToJson();
        var back = ModelCard.FromJson(json);

        Assert.Contains("\"num_head_channels\": 16", json, StringComparison.Ordinal);
        Assert.Contains("\"fusion\": \"binary\"", json, StringComparison.Ordinal);
        Assert.Contains("\"brain-mri\"", json, StringComparison.Ordinal);
        Assert.Equal(card.Architecture, back.Architecture);
        Assert.Equal(FusionMode.Binary, back.Profile().ToOptions(seed: 5).Fusion);
        Assert.Contains("no inference profile 'ct'", Assert.Throws<InvalidModelConfigException>(() => back.Profile("ct")).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidModelConfigException>(() => ModelCard.FromJson("{\"name\": 3}"));
    }

    [Fact]
    public void A_card_whose_image_size_no_longer_matches_its_normative_threshold_is_refused_when_read()
    {
        int pixels = UNetStructureTests.TinyConfig.ImageSize * UNetStructureTests.TinyConfig.ImageSize;
        var normative = new NormativeThreshold([.. Enumerable.Repeat(1f, pixels)], 0.5, 10, 200, 9, 1, [.. Enumerable.Repeat(0.5f, pixels)], 0.9);
        var card = new ModelCard
        {
            Name = "m",
            Version = "2",
            Architecture = UNetStructureTests.TinyConfig,
            Preprocessing = new Preprocessing { ImageSize = UNetStructureTests.TinyConfig.ImageSize },
            InferenceProfiles = new Dictionary<string, InferenceProfile> { ["brain-mri"] = new() { Timesteps = [200], BlurKernel = 9, Threshold = 0.1, NormativeThreshold = normative } },
            DefaultProfile = "brain-mri",
        };
        Assert.Equal(pixels, ModelCard.FromJson(card.ToJson()).Profile().NormativeThreshold!.Scale.Length);
        var json = System.Text.Json.Nodes.JsonNode.Parse(card.ToJson())!.AsObject();
        json["architecture"]!["image_size"] = 64;
        json["preprocessing"]!["image_size"] = 64;

        var error = Assert.Throws<InvalidModelConfigException>(() => ModelCard.FromJson(json.ToJsonString()));

        Assert.Contains("'brain-mri'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{pixels} normative threshold factors", error.Message, StringComparison.Ordinal);
        Assert.Contains("image_size 64", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("architecture", 64, 32)]
    [InlineData("preprocessing", 32, 64)]
    public void A_card_that_prepares_slices_at_another_size_than_its_network_is_refused_when_read(string edited, int architectureSize, int preprocessingSize)
    {
        // The worker and detect prepare slices at preprocessing.image_size, evaluate and tune at architecture.image_size.
        var json = System.Text.Json.Nodes.JsonNode.Parse(CardWithProfile(InferenceOptions.Adaptive(150, 3, 0.08)).ToJson())!.AsObject();
        json[edited]!["image_size"] = 64;

        var error = Assert.Throws<InvalidModelConfigException>(() => ModelCard.FromJson(json.ToJsonString()));

        Assert.Contains($"preprocessing.image_size {preprocessingSize} differs from architecture.image_size {architectureSize}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("blur_kernel", 4, "BlurKernel")]
    [InlineData("timesteps", 1000, "Timesteps")]
    [InlineData("max_stages", 0, "MaxStages")]
    public void A_card_with_a_profile_the_model_cannot_run_is_refused_when_read_naming_the_profile(string field, int value, string option)
    {
        // Hosts warm up only the default profile: a broken second one would otherwise fail every job that asks for it.
        var card = CardWithProfile(InferenceOptions.Adaptive(150, 3, 0.08)) with { DefaultProfile = "brain-mri" };
        card = card with { InferenceProfiles = new Dictionary<string, InferenceProfile>(card.InferenceProfiles) { ["ct"] = InferenceProfile.ReleasedUltrasound } };
        Assert.Equal(15, ModelCard.FromJson(card.ToJson()).Profile("ct").BlurKernel);
        var json = System.Text.Json.Nodes.JsonNode.Parse(card.ToJson())!.AsObject();
        json["inference_profiles"]!["ct"]![field] = field == "timesteps" ? new System.Text.Json.Nodes.JsonArray(value) : value;

        var error = Assert.Throws<InvalidModelConfigException>(() => ModelCard.FromJson(json.ToJsonString()));

        Assert.Contains("inference profile 'ct' cannot run", error.Message, StringComparison.Ordinal);
        Assert.Equal(option, Assert.IsType<InvalidOptionException>(error.InnerException).ParamName);
    }

    [Fact]
    public void An_imported_card_lays_slices_out_as_the_reference_arrays()
    {
        using var scope = NewDisposeScope();
        using var checkpoint = TorchCheckpointReader.Read(ReferenceFixture.Path("tiny_unet_checkpoint.pt"));

        var card = CheckpointImporter.CreateCard(checkpoint, UNetStructureTests.TinyConfig, ReferenceFixture.Path("tiny_unet_checkpoint.pt"), "tiny", "1.0.0");

        Assert.Equal(Preprocessing.ReferenceArrayOrientation, card.Preprocessing.SliceOrientation);
        Assert.Contains("\"slice_orientation\": \"reference-array\"", card.ToJson(), StringComparison.Ordinal);
        Assert.Equal("reference-array", ModelCard.FromJson(card.ToJson()).Preprocessing.SliceOrientation);
    }

    [Fact]
    public void A_card_written_before_slice_orientation_existed_reads_as_display_when_trained_here_and_as_the_reference_when_imported()
    {
        using var scope = NewDisposeScope();
        using var checkpoint = TorchCheckpointReader.Read(ReferenceFixture.Path("tiny_unet_checkpoint.pt"));
        var imported = CheckpointImporter.CreateCard(checkpoint, UNetStructureTests.TinyConfig, ReferenceFixture.Path("tiny_unet_checkpoint.pt"), "tiny", "1.0.0");
        var trained = imported with { Provenance = new Provenance { Source = "training" }, Preprocessing = imported.Preprocessing with { SliceOrientation = Preprocessing.DisplayOrientation } };

        ModelCard WithoutOrientation(ModelCard card)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(card.ToJson())!.AsObject();
            Assert.True(json["preprocessing"]!.AsObject().Remove("slice_orientation"));
            return ModelCard.FromJson(json.ToJsonString());
        }

        Assert.Equal(Preprocessing.DisplayOrientation, WithoutOrientation(trained).ExpectedSliceOrientation());
        Assert.Equal(Preprocessing.ReferenceArrayOrientation, WithoutOrientation(imported).ExpectedSliceOrientation());
        // A recorded layout wins over the provenance.
        Assert.Equal(Preprocessing.DisplayOrientation, trained.ExpectedSliceOrientation());
        Assert.Equal(Preprocessing.ReferenceArrayOrientation, ModelCard.FromJson(imported.ToJson()).ExpectedSliceOrientation());
    }

    /// <summary>A card of the tiny UNet whose only profile, "brain-mri", reproduces <paramref name="options"/>.</summary>
    private static ModelCard CardWithProfile(InferenceOptions options) => new()
    {
        Name = "m",
        Version = "2",
        Architecture = UNetStructureTests.TinyConfig,
        Preprocessing = new Preprocessing { ImageSize = UNetStructureTests.TinyConfig.ImageSize },
        InferenceProfiles = new Dictionary<string, InferenceProfile> { ["brain-mri"] = InferenceProfile.FromOptions(options) },
    };

    /// <summary>A per-pixel map for <see cref="CardWithProfile"/>'s slice size: <paramref name="pattern"/> over and over.</summary>
    private static float[] PixelMap(params float[] pattern) =>
        [.. Enumerable.Range(0, UNetStructureTests.TinyConfig.ImageSize * UNetStructureTests.TinyConfig.ImageSize).Select(p => pattern[p % pattern.Length])];

    /// <summary>The one JSON line holding <paramref name="property"/>, which must hold the whole array.</summary>
    private static string ArrayLine(string json, string property) => json.Split('\n').Single(l => l.Contains($"\"{property}\"", StringComparison.Ordinal)).Trim();

    [Fact]
    public void Noise_draws_round_trip_through_a_profile_and_default_to_one_draw_in_older_cards()
    {
        var tuned = InferenceOptions.Adaptive(150, 3, 0.08) with { MinComponentSize = 8, MaxStages = 4, Fusion = FusionMode.Binary, NoiseDraws = 4, Seed = 9 };
        var card = CardWithProfile(tuned);

        string json = card.ToJson();
        var back = ModelCard.FromJson(json).Profile("brain-mri").ToOptions(seed: 9);

        Assert.Contains("\"noise_draws\": 4", json, StringComparison.Ordinal);
        Assert.Equal(tuned with { Timesteps = back.Timesteps }, back);
        Assert.Equal(tuned.Timesteps, back.Timesteps);
        string older = json.Replace("\"noise_draws\": 4,", "", StringComparison.Ordinal).Replace(",\n      \"noise_draws\": 4", "", StringComparison.Ordinal);
        Assert.DoesNotContain("noise_draws", older, StringComparison.Ordinal);
        Assert.Equal(1, ModelCard.FromJson(older).Profile("brain-mri").NoiseDraws);
    }

    [Fact]
    public void The_stop_rule_round_trips_through_a_profile_and_older_cards_use_the_released_rule()
    {
        var tuned = InferenceOptions.Adaptive(150, 3, 0.08) with { StopRule = StopRule.Paper, Seed = 9 };

        string json = CardWithProfile(tuned).ToJson();
        var back = ModelCard.FromJson(json).Profile("brain-mri").ToOptions(seed: 9);

        Assert.Contains("\"stop_rule\": \"paper\"", json, StringComparison.Ordinal);
        Assert.Equal(tuned with { Timesteps = back.Timesteps }, back);
        string older = json.Replace("\"stop_rule\": \"paper\",", "", StringComparison.Ordinal);
        Assert.DoesNotContain("stop_rule", older, StringComparison.Ordinal);
        Assert.Equal(StopRule.Released, ModelCard.FromJson(older).Profile("brain-mri").StopRule);
    }

    [Fact]
    public void The_area_scaled_stop_floor_round_trips_through_a_profile_and_the_reference_floor_is_not_written()
    {
        var tuned = InferenceOptions.Adaptive(150, 3, 0.08) with { StopFloor = StopFloor.AreaScaled, Seed = 9 };

        string json = CardWithProfile(tuned).ToJson();
        string reference = CardWithProfile(tuned with { StopFloor = StopFloor.Reference }).ToJson();
        var back = ModelCard.FromJson(json).Profile("brain-mri").ToOptions(seed: 9);

        Assert.Contains("\"stop_floor\": \"area_scaled\"", json, StringComparison.Ordinal);
        Assert.Equal(tuned with { Timesteps = back.Timesteps }, back);
        // Absent is the reference's 500 pixels: older cards (the shipped demo's) keep their results and their JSON, so the
        // settings fingerprint recorded metrics are compared by does not change.
        Assert.DoesNotContain("stop_floor", reference, StringComparison.Ordinal);
        Assert.Equal(StopFloor.Reference, ModelCard.FromJson(reference).Profile("brain-mri").StopFloor);
    }

    [Fact]
    public void The_older_script_s_no_fusion_mode_round_trips_through_a_profile()
    {
        string json = CardWithProfile(InferenceOptions.Adaptive(150, 3, 0.08) with { Fusion = FusionMode.None }).ToJson();

        Assert.Contains("\"fusion\": \"none\"", json, StringComparison.Ordinal);
        Assert.Equal(FusionMode.None, ModelCard.FromJson(json).Profile("brain-mri").ToOptions().Fusion);
    }

    [Fact]
    public void A_normative_threshold_round_trips_through_a_profile_and_older_cards_have_none()
    {
        float[] scale = PixelMap(0.5f, 1.25f, 1.5f, 0.875f);
        var tuned = InferenceOptions.Adaptive(150, 3, 0.15) with { NormativeThreshold = new(scale, 0.75, 466, 150, 3, 1) };
        var card = CardWithProfile(tuned);

        string json = card.ToJson();
        var back = ModelCard.FromJson(json).Profile("brain-mri").ToOptions();

        Assert.Contains("\"normative_threshold\"", json, StringComparison.Ordinal);
        // One line, however long the map.
        Assert.Equal("\"scale\": [" + string.Join(',', Enumerable.Repeat("0.5,1.25,1.5,0.875", scale.Length / 4)) + "],", ArrayLine(json, "scale"));
        Assert.Equal(scale, back.NormativeThreshold!.Scale);
        Assert.Equal((0.75, 466, 150, 3, 1), (back.NormativeThreshold.Alpha, back.NormativeThreshold.HealthySlices, back.NormativeThreshold.Timestep, back.NormativeThreshold.BlurKernel, back.NormativeThreshold.NoiseDraws));
        Assert.DoesNotContain("head_template", json, StringComparison.Ordinal); // a threshold without the gate writes none
        Assert.Null(back.NormativeThreshold.HeadTemplate);
        var older = CardWithProfile(InferenceOptions.Adaptive(150, 3, 0.15));
        Assert.DoesNotContain("normative", older.ToJson(), StringComparison.Ordinal);
        Assert.Null(ModelCard.FromJson(older.ToJson()).Profile("brain-mri").NormativeThreshold);
    }

    [Fact]
    public void The_normative_head_gate_round_trips_on_one_line()
    {
        var tuned = InferenceOptions.Adaptive(150, 3, 0.15) with { NoiseDraws = 4, NormativeThreshold = new(PixelMap(0.5f, 1.25f), 0.5, 466, 150, 3, 4, PixelMap(0f, 0.125f), 0.9) };

        string json = CardWithProfile(tuned).ToJson();
        var back = ModelCard.FromJson(json).Profile("brain-mri").ToOptions().NormativeThreshold!;

        Assert.Equal("\"head_template\": [" + string.Join(',', Enumerable.Repeat("0,0.125", PixelMap(0f).Length / 2)) + "],", ArrayLine(json, "head_template"));
        Assert.Contains("\"min_head_correlation\": 0.9", json, StringComparison.Ordinal);
        Assert.Equal(PixelMap(0f, 0.125f), back.HeadTemplate!);
        Assert.Equal(0.9, back.MinHeadCorrelation);
    }

    [Fact]
    public void Strict_load_names_the_missing_the_unexpected_and_the_misshapen_key()
    {
        using var scope = NewDisposeScope();
        using var model = new UNet(UNetStructureTests.TinyConfig);
        var good = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var missing = new Dictionary<string, Tensor>(good);
        missing.Remove("middle_block.1.qkv.weight");
        Assert.Contains("Missing key 'middle_block.1.qkv.weight'", Assert.Throws<CheckpointFormatException>(() => StateDictLoader.LoadStrict(model, missing)).Message, StringComparison.Ordinal);

        var unexpected = new Dictionary<string, Tensor>(good) { ["module.extra"] = zeros(1) };
        Assert.Contains("Unexpected key 'module.extra'", Assert.Throws<CheckpointFormatException>(() => StateDictLoader.LoadStrict(model, unexpected)).Message, StringComparison.Ordinal);

        var misshapen = new Dictionary<string, Tensor>(good) { ["out.2.weight"] = zeros(1, 32, 1, 1) };
        var error = Assert.Throws<CheckpointFormatException>(() => StateDictLoader.LoadStrict(model, misshapen));
        Assert.Contains("'out.2.weight' has shape [1, 32, 1, 1]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 32, 3, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Importer_rejects_a_file_that_is_not_a_torch_checkpoint()
    {
        string path = Path.Combine(_dir, "not.pt");
        File.WriteAllText(path, "hello");
        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));
        Assert.Equal("Not a torch.save checkpoint: the file is neither a zip archive nor a pickle.", error.Message);
    }

    [Fact]
    public void A_storage_whose_byte_count_does_not_match_is_refused_and_leaves_no_tensor_behind()
    {
        string path = Path.Combine(_dir, "mismatch.pt");
        File.Copy(ReferenceFixture.Path("tiny_unet_checkpoint.pt"), path);
        using (var archive = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update))
        {
            var storage = archive.Entries.First(e => e.FullName.Contains("/data/", StringComparison.Ordinal));
            string name = storage.FullName;
            byte[] bytes;
            using (var data = storage.Open())
            using (var copy = new MemoryStream())
            {
                data.CopyTo(copy);
                bytes = copy.ToArray();
            }

            storage.Delete();
            using var longer = archive.CreateEntry(name).Open();
            longer.Write([.. bytes, 0, 0, 0, 0]);
        }

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("bytes;", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_checkpoint_cut_short_is_reported_as_truncated_and_only_a_pickle_as_a_legacy_torch_save()
    {
        byte[] whole = File.ReadAllBytes(ReferenceFixture.Path("tiny_unet_checkpoint.pt"));
        string truncated = Path.Combine(_dir, "truncated.pt");
        File.WriteAllBytes(truncated, whole[..(whole.Length / 2)]);
        string legacy = Path.Combine(_dir, "legacy.pt");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]); // protocol 2, torch.save's magic number

        var cut = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(truncated));
        var old = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(legacy));

        Assert.StartsWith("The checkpoint is a truncated or damaged zip archive", cut.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("legacy", cut.Message, StringComparison.Ordinal);
        Assert.StartsWith("The checkpoint is a legacy pre-1.6 torch.save file", old.Message, StringComparison.Ordinal);
    }
}
