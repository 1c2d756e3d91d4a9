using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// The inboxes of the functions a host runs, as an endpoint that serves them to other processes needs them (the
/// Hosting layer answers for a <c>FunctionHost</c>); keeps the transports below the host.
/// </summary>
internal interface ILocalInboxes
{
    /// <summary>The pool the inboxes copy into (streamed payloads are reassembled there).</summary>
    RegionPool Pool { get; }

    /// <summary>The functions loaded now.</summary>
    IEnumerable<string> Names { get; }

    /// <summary>The inbox of the function <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No function has that name.</exception>
    InProcessHose InboxOf(string name);
}
