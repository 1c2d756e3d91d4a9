using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Options;
using Roadrunner.Cli.Manifest;
using Roadrunner.Extensions.Hosting;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;
using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Cli;

/// <summary>
/// <c>roadrunner invoke NAME --data FILE|-</c>: sends one payload to a running function, over the shared-memory
/// rendezvous of this machine or over TCP, from a throwaway host. Exit code 0 when the status is Ok (handed over:
/// the receiver took it); otherwise the status name on stderr and the exit code 2 + (−status) (e.g. UnknownTarget 6,
/// PeerFailed 10, TimedOut 12); 1 for bad arguments, an unreadable file or a bad manifest.
/// </summary>
internal static class InvokeCommand
{
    public static Command Create()
    {
        Argument<string> name = new("name") { Description = "The function or route to send to." };
        Option<string> data = new("--data") { Description = "The payload: a file, or - for standard input.", Required = true };
        Option<DirectoryInfo?> rendezvous = new("--rendezvous") { Description = "The shared-memory rendezvous folder (default: the user's, under /dev/shm)." };
        Option<string?> connect = new("--connect") { Description = "Send over TCP to the node at host:port (needs --key-file)." };
        Option<FileInfo?> keyFile = new("--key-file") { Description = "The node's pre-shared key: raw bytes or base64 text." };
        Option<FileInfo?> manifest = new("--manifest") { Description = "Take the rendezvous folder, peers, listen address and key from this manifest." };
        Option<double> timeout = new("--timeout") { Description = "Seconds to wait for room and for the receiver to take the payload.", DefaultValueFactory = _ => 10 };
        Command command = new("invoke", "Sends a payload to a running function; exit code 0 only when it was handed over.")
        {
            name, data, rendezvous, connect, keyFile, manifest, timeout,
        };
        command.SetAction((result, cancellationToken) => InvokeAsync(
            new Request(result.GetValue(name)!, result.GetValue(data)!, result.GetValue(rendezvous)?.FullName, result.GetValue(connect),
                result.GetValue(keyFile)?.FullName, result.GetValue(manifest), TimeSpan.FromSeconds(result.GetValue(timeout))),
            result.InvocationConfiguration.Output,
            result.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    /// <summary>The exit code of a send status: 0 for Ok, else 2 + (−status).</summary>
    public static int ExitCode(HoseStatus status) => status == HoseStatus.Ok ? 0 : 2 - (int)status;

    private static async Task<int> InvokeAsync(Request request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        byte[] payload;
        Target target;
        try
        {
            payload = request.Data == "-" ? await ReadStandardInputAsync(cancellationToken).ConfigureAwait(false) : await File.ReadAllBytesAsync(request.Data, cancellationToken).ConfigureAwait(false);
            target = Target.For(request);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            error.WriteLine(e.Message);
            return 1;
        }
        catch (OptionsValidationException e)
        {
            foreach (string failure in e.Failures)
            {
                error.WriteLine(failure);
            }

            return 1;
        }

        (HoseStatus status, string? why) = await SendAsync(request, target, payload, cancellationToken).ConfigureAwait(false);
        if (status == HoseStatus.Ok)
        {
            output.WriteLine("Ok");
        }
        else
        {
            error.WriteLine(why is null ? status.ToString() : $"{status}: {why}");
        }

        return ExitCode(status);
    }

    private static async Task<(HoseStatus Status, string? Why)> SendAsync(Request request, Target target, byte[] payload, CancellationToken cancellationToken)
    {
        // A throwaway host: its pool holds what the network hose sends; its files go when it is disposed.
        using var problems = new ProblemLog();
        await using var host = new FunctionHost(new FunctionHostOptions { Regions = { Directory = target.SharedMemory?.Directory } }, loggerFactory: problems);
        if (target.SharedMemory is { } shm)
        {
            await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(shm);
            if (!endpoint.TryResolve(request.Name, out IHoseSender? sender))
            {
                return (HoseStatus.UnknownTarget, $"no process serves '{request.Name}' in {endpoint.Directory}");
            }

            // Ok means handed over; disposing the endpoint then waits (its DrainTimeout) until the receiver has taken the
            // bytes, so this short-lived process never deletes a region before it was read.
            return (sender.Send(payload, request.Timeout, cancellationToken), null);
        }

        await using NetworkEndpoint network = host.StartNetworkEndpoint(target.Network!);
        if (!network.TryResolve(request.Name, out IHoseSender? remote))
        {
            return (HoseStatus.UnknownTarget, null);
        }

        HoseStatus status = remote.Send(payload, request.Timeout, cancellationToken);
        return (status, status == HoseStatus.Ok ? null : problems.Last); // e.g. "Cannot reach 127.0.0.1:7102: Connection refused"
    }

    private static async Task<byte[]> ReadStandardInputAsync(CancellationToken cancellationToken)
    {
        using Stream input = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private sealed record Request(string Name, string Data, string? Rendezvous, string? Connect, string? KeyFile, FileInfo? Manifest, TimeSpan Timeout);

    /// <summary>Where the payload goes: a shared-memory rendezvous, or the network with a directory that names the target.</summary>
    private sealed record Target(SharedMemoryOptions? SharedMemory, NetworkOptions? Network)
    {
        public static Target For(Request request)
        {
            if (request.Connect is { } connect)
            {
                if (request.KeyFile is null)
                {
                    throw new ArgumentException("--connect needs --key-file (the node's pre-shared key)");
                }

                return OverNetwork(Bind(new Dictionary<string, string?>
                {
                    ["Roadrunner:Network:PreSharedKeyFile"] = request.KeyFile,
                    [$"Roadrunner:Network:Peers:{request.Name}:0"] = connect,
                }, Directory.GetCurrentDirectory()).Network!);
            }

            if (request.Manifest is { } file)
            {
                return FromManifest(request.Name, file);
            }

            return new Target(new SharedMemoryOptions { Directory = request.Rendezvous }, null);
        }

        /// <summary>A peer of the manifest's node over TCP; one of its own functions over shared memory, else over TCP.</summary>
        private static Target FromManifest(string name, FileInfo file)
        {
            ManifestDocument manifest = ManifestDocument.Load(file.ToString());
            if (manifest.SyntaxErrors.Count > 0)
            {
                throw new ArgumentException(manifest.SyntaxErrors[0].Format(manifest.Path));
            }

            Environment.CurrentDirectory = manifest.Folder; // as `run` does: relative folders start at the manifest's
            RoadrunnerOptions options = Bind(manifest.Data, manifest.Folder);
            bool local = options.Functions.Any(f => f.Name == name) || options.Routes.ContainsKey(name);
            if (options.Network is { Enabled: true } network && network.Peers.ContainsKey(name))
            {
                return OverNetwork(network);
            }

            if (options.SharedMemory is { Enabled: true } shm)
            {
                return new Target(shm.Options, null);
            }

            if (local && options.Network is { Enabled: true } own && ListenAddress(own) is { } node)
            {
                own.Options.Directory = StaticNetworkDirectory.Parse($"{name}={node}");
                return OverNetwork(own);
            }

            throw new ArgumentException($"{manifest.Path}: '{name}' is not a peer of this node, and the node has no shared-memory endpoint{(local ? " nor a fixed network port" : "")}");

            static string? ListenAddress(RoadrunnerNetwork own) =>
                IPEndPoint.TryParse(own.Listen, out IPEndPoint? listen) && listen.Port != 0
                    ? new IPEndPoint(listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any) ? IPAddress.Loopback : listen.Address, listen.Port).ToString()
                    : null;
        }

        /// <summary>The node's network settings, listening on a free loopback port instead of the node's own.</summary>
        private static Target OverNetwork(RoadrunnerNetwork network)
        {
            network.Options.ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0);
            return new Target(null, network.Options);
        }

        private static RoadrunnerOptions Bind(IReadOnlyDictionary<string, string?> data, string contentRoot) => ManifestOptions.Bind(data, contentRoot);
    }
}
