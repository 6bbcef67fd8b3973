using System.Globalization;

namespace Tollgate.Hosting;

/// <summary>
/// Writes each log entry as one line (two with an exception) to a file, appending: where the
/// logs go while the terminal UI owns the screen. Writes are serialised and flushed at once,
/// so a line is on disk before the process can die.
/// </summary>
internal sealed class FileLoggerProvider : ILoggerProvider
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private StreamWriter? _writer; // opened with the first entry
    private bool _disposed;

    public FileLoggerProvider(string path, TimeProvider time)
    {
        _path = path;
        _time = time;
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _writer?.Dispose();
        }
    }

    private StreamWriter? Writer()
    {
        if (_writer is null && !_disposed)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
            _writer = new StreamWriter(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }

        return _disposed ? null : _writer;
    }

    private void Write(LogLevel level, string category, EventId id, string message, Exception? error)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{_time.GetLocalNow():yyyy-MM-dd HH:mm:ss.fff} {Level(level)} {category}[{id.Id}] {message}");
        lock (_gate)
        {
            try
            {
                if (Writer() is not { } writer)
                {
                    return; // a late entry after shutdown disposed the file has nowhere to go
                }

                writer.WriteLine(line);
                if (error is not null)
                {
                    writer.WriteLine("  " + error.ToString().ReplaceLineEndings("\n  "));
                }
            }
            catch (IOException)
            {
                // the log file cannot be written (disk full, folder gone): logging never stops the gateway
            }
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, category, eventId, formatter(state, exception), exception);
            }
        }
    }
}
