using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Diffusion;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// Owns the one model of the process: loads it once in the background at start, runs one warm-up batch (first CUDA calls
/// pay kernel selection and allocation), then reports ready. Readiness and the batcher wait on it; a failed load is kept
/// and reported: readiness stays false, and liveness fails (Health.ModelLoadLivenessCheck), so the platform restarts the
/// replica, which loads the model again, rather than leave it unready for ever.
/// </summary>
public sealed partial class InferenceHost(IModelLoader loader, ILogger<InferenceHost> logger)
{
    private readonly TaskCompletionSource<ISliceInference> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int started;

    public bool IsReady => ready.Task.IsCompletedSuccessfully;

    /// <summary>The load error, if loading failed.</summary>
    public Exception? LoadError => ready.Task.Exception?.InnerException;

    /// <summary>Starts loading (once); later calls do nothing.</summary>
    public void StartLoading(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref started, 1) == 0)
        {
            _ = Task.Run(() => LoadAsync(cancellationToken), CancellationToken.None);
        }
    }

    public Task<ISliceInference> WhenReadyAsync(CancellationToken cancellationToken) => ready.Task.WaitAsync(cancellationToken);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var model = await loader.LoadAsync(cancellationToken).ConfigureAwait(false);
            var (height, width) = model.SliceSize;
            var started = TimeProvider.System.GetTimestamp();
            model.Run([new float[height * width]], InferenceProfileNames.Default, cancellationToken);
            LogReady(height, width, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            ready.TrySetResult(model);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ready.TrySetCanceled(cancellationToken);
        }
        catch (Exception e)
        {
            // By type only: a third-party message (TorchSharp, IO) can hold a path, and this line is exported. The whole
            // exception goes to Debug, which is not exported unless switched on (Logging__LogLevel__...=Debug). The two
            // misconfigurations an operator fixes in the settings carry messages built from settings alone, and say how.
            if (e is ModelSettingsMismatchException or DeviceUnavailableException)
            {
                LogLoadMisconfigured(e.GetType().Name, e.Message);
            }
            else
            {
                LogLoadFailed(e.GetType().Name);
            }

            LogLoadFailureDetail(e);
            ready.TrySetException(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model loaded and warmed up: slices {Height}x{Width}, warm-up {WarmupMilliseconds} ms")]
    private partial void LogReady(int height, int width, double warmupMilliseconds);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The model could not be loaded ({ErrorType}); the worker stays unready and fails liveness, to be restarted")]
    private partial void LogLoadFailed(string errorType);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The model could not be loaded ({ErrorType}: {Reason}); the worker stays unready and fails liveness, to be restarted")]
    private partial void LogLoadMisconfigured(string errorType, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The model load failed with this exception")]
    private partial void LogLoadFailureDetail(Exception error);
}
