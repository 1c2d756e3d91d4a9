using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roadrunner.Cli.Manifest;
using Roadrunner.Extensions.Hosting;

namespace Roadrunner.Cli;

/// <summary>
/// <c>roadrunner run MANIFEST</c>: a generic host with the console logger and the manifest as configuration (content
/// root: the manifest's folder) running <c>AddRoadrunner</c> until Ctrl-C / SIGTERM. Exit code 0 after a clean stop,
/// 1 for a bad manifest (its errors printed with their lines), 2 when the node fails to start.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        Argument<FileInfo> manifest = new("manifest") { Description = "The manifest (roadrunner.toml)." };
        Command command = new("run", "Runs the functions, routes and endpoints a manifest names until Ctrl-C or SIGTERM.") { manifest };
        command.SetAction((result, _) => RunAsync(result.GetValue(manifest)!, result.InvocationConfiguration.Error));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo file, TextWriter error)
    {
        if (ValidateCommand.Load(file, error) is not { } manifest)
        {
            return 1;
        }

        IReadOnlyList<ManifestError> errors = ManifestOptions.Check(manifest);
        if (errors.Count > 0)
        {
            foreach (ManifestError problem in errors)
            {
                error.WriteLine(problem.Format(manifest.Path));
            }

            return 1;
        }

        // Relative paths in the manifest start at its folder: the content root for modules and key files, and the
        // current folder for what the library resolves itself (region and rendezvous folders).
        Environment.CurrentDirectory = manifest.Folder;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = manifest.Folder,
            ApplicationName = "roadrunner",
            Args = [],
        });
        // The manifest comes before the environment variables, so that a container can override a key (Roadrunner__…).
        IList<IConfigurationSource> sources = ((IConfigurationBuilder)builder.Configuration).Sources;
        int environment = sources.ToList().FindIndex(source => source is EnvironmentVariablesConfigurationSource);
        sources.Insert(environment < 0 ? sources.Count : environment, new ManifestConfigurationSource(manifest.Data));
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        builder.Services.AddRoadrunner(builder.Configuration);
        using IHost host = builder.Build();
        try
        {
            await host.RunAsync().ConfigureAwait(false); // the console lifetime stops it on Ctrl-C / SIGTERM
            return 0;
        }
        catch (OptionsValidationException e)
        {
            foreach (ManifestError problem in ManifestOptions.ToErrors(manifest, e))
            {
                error.WriteLine(problem.Format(manifest.Path));
            }

            return 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error.WriteLine($"{manifest.Path}: the node did not start: {e.Message}");
            return 2;
        }
    }
}
