namespace Roadrunner.Hoses;

/// <summary>
/// A hose that is a local inbox: a transport that finds one (a route's target, a served name) delivers through its
/// <see cref="Writer"/> instead of through <see cref="IHoseSender"/>, so it can write straight into an idle receiver
/// or into regions it fills itself. Any other target (a route, a .NET sink) is sent to as an <see cref="IHoseSender"/>.
/// </summary>
internal interface IInboxTarget
{
    /// <summary>The inbox's write side: the one place payloads enter it.</summary>
    InboxWriter Writer { get; }
}
