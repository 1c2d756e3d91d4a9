namespace Roadrunner.Tests.Support;

/// <summary>
/// The Rust example guests (guest/rust/examples, built by guest/rust/build.sh, copied next to the tests). They export
/// the same names as the C ones and use the same algorithms (<see cref="CGuests.ProducerPattern"/>,
/// <see cref="CGuests.Checksum"/>); the consumer's pull(), pull_wait(timeout_ms) grow their buffer themselves.
/// </summary>
internal static class RustGuests
{
    public static string Producer => PathOf("producer");

    public static string Consumer => PathOf("consumer");

    public static string ZeroCopyProducer => PathOf("zc_producer");

    public static string ZeroCopyConsumer => PathOf("zc_consumer");

    private static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "guests", "rust", name + ".wasm");
}
