var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
app.Run();

/// <summary>Exposed for WebApplicationFactory in the worker's tests.</summary>
public partial class Program;
