using Roadrunner.Tests.Support;
using Roadrunner.Wasm;
using Wasmtime;

namespace Roadrunner.Tests.Wasm;

/// <summary>Imports called from a store that carries no RoadrunnerGuest answer RR_INTERNAL instead of crashing.</summary>
public class StoreWithoutGuestTests
{
    [Test]
    public void EveryImportAnswersInternal()
    {
        using var engine = new Engine();
        using var linker = new Linker(engine);
        linker.DefineRoadrunner();
        using var module = Module.FromText(engine, "caller", Guests.Caller);
        using var store = new Store(engine);
        Instance instance = linker.Instantiate(store, module);
        const int internalError = (int)HoseStatus.Internal;

        Assert.Multiple(() =>
        {
            Assert.That(instance.GetFunction<int, int, int>("open")!(0, 4), Is.EqualTo(internalError));
            Assert.That(instance.GetFunction<int, int>("close")!(1), Is.EqualTo(internalError));
            Assert.That(instance.GetFunction<int, int, int, int>("send")!(1, 0, 4), Is.EqualTo(internalError));
            Assert.That(instance.GetFunction<int, int, int, int>("try_send")!(1, 0, 4), Is.EqualTo(internalError));
            Assert.That(instance.GetFunction<int>("next_length")!(), Is.EqualTo(internalError));
            Assert.That(instance.GetFunction<int, int, int>("receive")!(0, 4), Is.EqualTo(internalError));
            Assert.That(instance.GetFunction<int, int, int, int>("receive_wait")!(0, 4, 10), Is.EqualTo(internalError));
            Assert.That(internalError, Is.EqualTo(-11));
        });
    }

    [Test]
    public void StoreWithOtherDataAnswersInternalToo()
    {
        using var engine = new Engine();
        using var linker = new Linker(engine);
        linker.DefineRoadrunner();
        using var module = Module.FromText(engine, "caller", Guests.Caller);
        using var store = new Store(engine, "not a guest");
        Instance instance = linker.Instantiate(store, module);

        Assert.That(instance.GetFunction<int, int, int>("open")!(0, 4), Is.EqualTo((int)HoseStatus.Internal));
        Assert.That(instance.GetFunction<int, int>("grow")!(1), Is.EqualTo(2), "the instance itself keeps working");
    }

    [Test]
    public void DefineRoadrunnerRejectsANullLinker() =>
        Assert.That(() => RoadrunnerLinkerExtensions.DefineRoadrunner(null!), Throws.ArgumentNullException);
}
