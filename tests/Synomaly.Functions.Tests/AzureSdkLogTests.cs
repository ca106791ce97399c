using System.Collections.Concurrent;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Extensions;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The Azure SDK logs every request, blob path included, at Information; an archive scan's path is its owner's file name.
/// The Functions app must keep those lines out of what it sends to Application Insights.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AzureSdkLogTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_functions_app_keeps_the_sdks_request_lines_which_name_blob_paths_out_of_its_logs()
    {
        string name = $"ward-7/doe-john-{Guid.NewGuid():N}.dcm";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScansStorage"] = azurite.ConnectionString,
            ["Intake:Transport"] = "InMemory",
            ["Intake:ModelVersion"] = "v1",
            ["Intake:BlobTriggerSource"] = "LogsAndContainerScan",
        }).Build();

        var appLines = await LinesLoggedWhileCheckingAsync(name, services => services.AddSynomalyFunctions(configuration));
        var sdkLines = await LinesLoggedWhileCheckingAsync(name, services => services.AddAzureClients(c => c.AddBlobServiceClient(azurite.ConnectionString)));

        // Without the app's registration the same request is logged with the name, so the capture itself works.
        Assert.Contains(sdkLines, line => line.Contains(name.Split('/')[1], StringComparison.Ordinal));
        Assert.DoesNotContain(appLines, line => line.Contains(name.Split('/')[1], StringComparison.Ordinal));
    }

    private static async Task<IReadOnlyList<string>> LinesLoggedWhileCheckingAsync(string blobName, Action<IServiceCollection> register)
    {
        var capture = new CapturingProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(capture));
        register(services);
        await using var provider = services.BuildServiceProvider();
        var blob = provider.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BlobLayout.ArchiveContainer).GetBlobClient(blobName);

        await blob.ExistsAsync(TestContext.Current.CancellationToken);

        return [.. capture.Lines];
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)}");
        }
    }
}
