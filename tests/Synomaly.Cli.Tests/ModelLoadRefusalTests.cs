using Synomaly.Diffusion.Model;

namespace Synomaly.Cli.Tests;

/// <summary>How a model that cannot be loaded is told: by --model and the reason, never by the folder's path.</summary>
public sealed class ModelLoadRefusalTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-model-refusal-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void A_file_system_failure_is_told_by_its_reason_without_the_path_net_quotes()
    {
        // A folder opened as a file: .NET's own UnauthorizedAccessException, "Access to the path '.../Doe_Jane' is denied."
        string folder = Directory.CreateDirectory(Path.Combine(_scratch, "Doe_Jane")).FullName;
        var denied = Assert.Throws<UnauthorizedAccessException>(() => File.ReadAllText(folder));
        Assert.Contains("Doe_Jane", denied.Message, StringComparison.Ordinal);

        var refusal = ModelLoadRefusal.Of(denied);

        Assert.Equal("Cannot load the model given by --model: access denied (UnauthorizedAccessException)", refusal.Message);
        Assert.Same(denied, refusal.InnerException);
    }

    [Theory]
    [InlineData(typeof(FileNotFoundException), "a file was not found (FileNotFoundException)")]
    [InlineData(typeof(DirectoryNotFoundException), "a folder was not found (DirectoryNotFoundException)")]
    [InlineData(typeof(PathTooLongException), "a path is too long (PathTooLongException)")]
    [InlineData(typeof(IOException), "an I/O error (IOException)")]
    public void Each_common_file_system_failure_has_a_path_free_reason(Type type, string reason)
    {
        var error = (Exception)Activator.CreateInstance(type, "Could not find file '/data/Doe_Jane/model-card.json'.")!;

        Assert.Equal(reason, ModelLoadRefusal.Reason(error));
    }

    [Fact]
    public void What_the_card_holds_is_told_as_the_card_s_check_says_it()
    {
        var error = new InvalidModelConfigException("Model card format 9 is newer than this program reads (2).");

        Assert.Equal("Model card format 9 is newer than this program reads (2).", ModelLoadRefusal.Reason(error));
    }
}
