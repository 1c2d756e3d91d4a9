using Roadrunner.Hosting;

namespace Roadrunner.Tests.Support;

/// <summary>Typed calls into the C guests of ZeroCopyNewUserTests (Wasm/Guests/newuser.c: newuser.wasm, a push receiver, and newuser_pull.wasm, a pull receiver; both send) and the checksum and fill they use.</summary>
internal sealed class NewUserGuest(WasmFunction function)
{
    public WasmFunction Function => function;

    public static string PathOf(bool pull) => Path.Combine(AppContext.BaseDirectory, "guests", "newuser", pull ? "newuser_pull.wasm" : "newuser.wasm");

    public static NewUserGuest Load(FunctionHost host, string name, bool pull = false) => new(host.LoadFile(name, PathOf(pull)));

    public int Call(string export) => function.Run(i => i.GetFunction<int>(export)!());

    public int Call(string export, int a) => function.Run(i => i.GetFunction<int, int>(export)!(a));

    public int Call(string export, int a, int b) => function.Run(i => i.GetFunction<int, int, int>(export)!(a, b));

    public int Call(string export, int a, int b, int c) => function.Run(i => i.GetFunction<int, int, int, int>(export)!(a, b, c));

    public void Run(string export, int a, int b) => function.Run(i =>
    {
        i.GetAction<int, int>(export)!(a, b);
        return 0;
    });

    public void Run(string export, int a, int b, int c, int d) => function.Run(i =>
    {
        i.GetAction<int, int, int, int>(export)!(a, b, c, d);
        return 0;
    });

    public int Open(string name)
    {
        int at = Call("names");
        Write((uint)at, System.Text.Encoding.UTF8.GetBytes(name));
        return Call("open", name.Length);
    }

    public int Produce(int handle, uint length, int seed) => Call("produce", handle, (int)length, seed);

    public void Write(uint at, byte[] bytes) => function.Run(i =>
    {
        bytes.CopyTo(i.GetMemory("memory")!.GetSpan(at, bytes.Length));
        return 0;
    });

    public byte[] Read(uint at, int length) => function.Run(i => i.GetMemory("memory")!.GetSpan(at, length).ToArray());

    /// <summary>newuser.c's produce pattern: xorshift32 from seed | 1, one byte per step.</summary>
    public static byte[] Pattern(uint length, int seed)
    {
        var bytes = new byte[length];
        uint x = (uint)seed | 1u;
        for (int i = 0; i < bytes.Length; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes[i] = (byte)x;
        }

        return bytes;
    }

    public static int Checksum(uint length, int seed) => Checksum(Pattern(length, seed));

    /// <summary>newuser.c's checksum: h = h * 31 + byte from 17, 32 bits.</summary>
    public static int Checksum(byte[] bytes)
    {
        uint h = 17;
        foreach (byte b in bytes)
        {
            h = unchecked((h * 31) + b);
        }

        return (int)h;
    }
}
