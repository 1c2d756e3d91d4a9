using System.Text;
using Microsoft.Extensions.Logging;
using Roadrunner.Diagnostics;

namespace Roadrunner.Hosting;

/// <summary>
/// Turns the bytes a guest writes to stdout or stderr into log entries, one per line. Wasmtime calls <see cref="Write"/>
/// on its own thread and may split one guest write into several calls, so bytes are gathered until a newline. A guest
/// that never writes a newline cannot grow the buffer past <see cref="MaxLineBytes"/>: the line is logged cut there.
/// </summary>
internal sealed class GuestOutputLog(ILogger logger, string function, string stream, LogLevel level)
{
    /// <summary>Longest line kept, in bytes; longer ones are logged in pieces of this size.</summary>
    public const int MaxLineBytes = 16 * 1024;

    private readonly Lock _lock = new();
    private readonly List<byte> _line = [];

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            foreach (byte b in data)
            {
                if (b == (byte)'\n')
                {
                    Flush();
                    continue;
                }

                _line.Add(b);
                if (_line.Count >= MaxLineBytes)
                {
                    Flush();
                }
            }
        }
    }

    /// <summary>Logs what is left of an unfinished line (when the function goes away).</summary>
    public void Complete()
    {
        lock (_lock)
        {
            if (_line.Count > 0)
            {
                Flush();
            }
        }
    }

    private void Flush()
    {
        string text = Encoding.UTF8.GetString([.. _line]).TrimEnd('\r');
        _line.Clear();
        RoadrunnerLog.GuestOutput(logger, level, function, stream, text);
    }
}
