using System.CommandLine;
using Roadrunner.Cli.Manifest;

namespace Roadrunner.Cli;

/// <summary><c>roadrunner validate MANIFEST</c>: every error with its line; exit code 0 when valid, 1 otherwise.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        Argument<FileInfo> manifest = new("manifest") { Description = "The manifest (roadrunner.toml)." };
        Command command = new("validate", "Checks a manifest without running it; prints FILE:LINE: KEY: PROBLEM for every error.") { manifest };
        command.SetAction(result => Run(result.GetValue(manifest)!, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Prints the errors of <paramref name="file"/> to <paramref name="error"/>; 0 when it has none.</summary>
    public static int Run(FileInfo file, TextWriter output, TextWriter error)
    {
        if (Load(file, error) is not { } manifest)
        {
            return 1;
        }

        IReadOnlyList<ManifestError> errors = ManifestOptions.Check(manifest);
        foreach (ManifestError problem in errors)
        {
            error.WriteLine(problem.Format(manifest.Path));
        }

        if (errors.Count == 0)
        {
            output.WriteLine($"{manifest.Path}: valid");
        }

        return errors.Count == 0 ? 0 : 1;
    }

    /// <summary>Reads a manifest, or says why it cannot (null).</summary>
    public static ManifestDocument? Load(FileInfo file, TextWriter error)
    {
        try
        {
            return ManifestDocument.Load(file.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{file}: {e.Message}");
            return null;
        }
    }
}
