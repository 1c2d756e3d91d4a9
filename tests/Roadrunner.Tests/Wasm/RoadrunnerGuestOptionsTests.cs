using Roadrunner.Hosting;
using Roadrunner.Tests.Support;
using Roadrunner.Wasm;

namespace Roadrunner.Tests.Wasm;

/// <summary>A guest's options are checked when it is made: a value no guest can run with is an error that names it.</summary>
public class RoadrunnerGuestOptionsTests : FolderTest
{
    private const string Module = """(module (memory (export "memory") 1))""";

    private static readonly TestCaseData[] Bad =
    [
        new TestCaseData(new Action<RoadrunnerGuestOptions>(o => o.MappingThreshold = -1), "MappingThreshold"),
        new TestCaseData(new Action<RoadrunnerGuestOptions>(o => o.SendTimeout = TimeSpan.FromSeconds(-2)), "SendTimeout"),
        new TestCaseData(new Action<RoadrunnerGuestOptions>(o => o.PushTimeout = TimeSpan.FromSeconds(-1)), "PushTimeout"),
        new TestCaseData(new Action<RoadrunnerGuestOptions>(o => o.MaxReceiveWait = TimeSpan.FromMilliseconds(-5)), "MaxReceiveWait"),
        new TestCaseData(new Action<RoadrunnerGuestOptions>(o => o.MaxHandles = 0), "MaxHandles"),
    ];

    [TestCaseSource(nameof(Bad))]
    public async Task ABadValueIsAnErrorThatNamesIt(Action<RoadrunnerGuestOptions> set, string name)
    {
        await using FunctionHost host = CreateHost(o => set(o.Guest));
        Assert.That(() => host.LoadText("f", Module), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(name));
    }

    [Test]
    public async Task AnInfiniteSendTimeoutAndAZeroThresholdAreValid()
    {
        await using FunctionHost host = CreateHost(o =>
        {
            o.Guest.SendTimeout = Timeout.InfiniteTimeSpan;
            o.Guest.MappingThreshold = 0;
        });
        Assert.That(() => host.LoadText("f", Module), Throws.Nothing);
    }
}
