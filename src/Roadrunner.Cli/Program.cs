using System.CommandLine;
using Roadrunner.Cli;

// roadrunner run|validate|invoke — see docs/manifest.md. Ctrl-C / SIGTERM are left to the generic host of `run`
// (its console lifetime stops the node cleanly), so System.CommandLine's own termination handling is off.
RootCommand root = new("Runs Roadrunner WebAssembly functions from a manifest (docs/manifest.md).")
{
    RunCommand.Create(),
    ValidateCommand.Create(),
    InvokeCommand.Create(),
};
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
