using Synomaly.GpuWorker.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSynomalyGpuWorker();
var app = builder.Build();
app.MapSynomalyGpuWorker();
app.Run();

/// <summary>Exposed for WebApplicationFactory in the worker's tests.</summary>
public partial class Program;
