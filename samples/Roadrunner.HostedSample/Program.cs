// A Roadrunner node in the generic host: functions and routes from appsettings.json, logs on the console, traces and
// metrics exported to the console by OpenTelemetry, health at /healthz. `--once` sends a few payloads, prints the
// health report and exits (CI runs it that way); without it the app runs until Ctrl-C.
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Roadrunner.Diagnostics;
using Roadrunner.Extensions.Hosting;
using Roadrunner.HostedSample;

// `--once` is ours, not a configuration switch: taken out before the command line becomes configuration (which would
// read `--once --urls X` as once = "--urls").
bool once = args.Contains("--once");
args = [.. args.Where(a => a != "--once")];

// The content root is the output folder, where appsettings.json and the guests it names are copied.
WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddRoadrunner(builder.Configuration);
builder.Services.AddHealthChecks().AddRoadrunner();
builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing.AddSource(RoadrunnerMetrics.ActivitySourceName).AddConsoleExporter())
    .WithMetrics(metrics => metrics.AddMeter(RoadrunnerMetrics.MeterName).AddConsoleExporter());
builder.Services.AddHostedService<Traffic>();
builder.Services.Configure<TrafficOptions>(options => options.Once = once);

WebApplication app = builder.Build();
app.MapHealthChecks("/healthz");
await app.RunAsync();
