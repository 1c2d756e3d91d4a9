namespace Roadrunner.Wasm;

/// <summary>
/// Thrown by an import called inside a push handler once the push's time limit has passed; Wasmtime turns it into a
/// trap of the guest, which faults it as the epoch deadline does for a handler spinning in wasm.
/// </summary>
internal sealed class PushDeadlineExceededException(string message) : Exception(message);
