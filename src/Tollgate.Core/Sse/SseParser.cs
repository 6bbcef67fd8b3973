using System.Buffers;

namespace Tollgate.Core.Sse;

/// <summary>
/// Incremental server-sent-events parser: bytes go in as they arrive, in chunks split anywhere
/// (even inside a CRLF), and complete events come out. Memory is bounded: an event whose data
/// grows past <see cref="MaxEventBytes"/> is dropped and counted in <see cref="OversizedEvents"/>.
/// </summary>
public sealed class SseParser : IDisposable
{
    /// <summary>Largest event data kept. A Responses <c>response.completed</c> event repeats the whole output, so this is generous.</summary>
    public const int DefaultMaxEventBytes = 16 * 1024 * 1024;

    private readonly ISseEventSink _sink;
    private readonly int _maxEventBytes;
    private byte[] _line = ArrayPool<byte>.Shared.Rent(256);
    private int _lineLength;
    private byte[] _data = ArrayPool<byte>.Shared.Rent(1024);
    private int _dataLength;
    private bool _hasData;
    private byte[] _eventName = new byte[64];
    private int _eventNameLength;
    private bool _lastWasCr;
    private bool _lineOverflow;
    private bool _eventOverflow;
    private bool _started;

    public SseParser(ISseEventSink sink, int maxEventBytes = DefaultMaxEventBytes)
    {
        _sink = sink;
        _maxEventBytes = maxEventBytes;
    }

    public int MaxEventBytes => _maxEventBytes;

    /// <summary>Events dropped because their data exceeded <see cref="MaxEventBytes"/>.</summary>
    public int OversizedEvents { get; private set; }

    /// <summary>Events dispatched so far.</summary>
    public int EventCount { get; private set; }

    /// <summary>Feeds the next chunk of the stream.</summary>
    public void Feed(ReadOnlySpan<byte> chunk)
    {
        if (!_started && chunk.Length > 0)
        {
            _started = true;
            if (chunk.StartsWith("\uFEFF"u8))
            {
                chunk = chunk[3..];
            }
        }

        while (!chunk.IsEmpty)
        {
            if (_lastWasCr)
            {
                _lastWasCr = false;
                if (chunk[0] == (byte)'\n')
                {
                    chunk = chunk[1..];
                    continue;
                }
            }

            var end = chunk.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                AppendLine(chunk);
                return;
            }

            if (_lineLength == 0 && !_lineOverflow)
            {
                ProcessLine(chunk[..end]);
            }
            else
            {
                AppendLine(chunk[..end]);
                if (!_lineOverflow)
                {
                    ProcessLine(_line.AsSpan(0, _lineLength));
                }

                _lineLength = 0;
                _lineOverflow = false;
            }

            _lastWasCr = chunk[end] == (byte)'\r';
            chunk = chunk[(end + 1)..];
        }
    }

    /// <summary>
    /// Ends the stream. Per the SSE rules an event without its closing blank line is not
    /// dispatched; returns true when such an incomplete event was pending (a cut stream).
    /// </summary>
    public bool Complete()
    {
        var pending = _hasData || _lineLength > 0 || _eventNameLength > 0;
        _lineLength = 0;
        _dataLength = 0;
        _hasData = false;
        _eventNameLength = 0;
        return pending;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_line);
        ArrayPool<byte>.Shared.Return(_data);
        _line = [];
        _data = [];
    }

    private void AppendLine(ReadOnlySpan<byte> part)
    {
        if (_lineOverflow)
        {
            return;
        }

        if (_lineLength + part.Length > _maxEventBytes + 16)
        {
            _lineOverflow = true;
            _eventOverflow = true;
            return;
        }

        EnsureCapacity(ref _line, _lineLength + part.Length);
        part.CopyTo(_line.AsSpan(_lineLength));
        _lineLength += part.Length;
    }

    private void ProcessLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            Dispatch();
            return;
        }

        if (line[0] == (byte)':')
        {
            return; // comment, e.g. keep-alive
        }

        var colon = line.IndexOf((byte)':');
        ReadOnlySpan<byte> field, value;
        if (colon < 0)
        {
            field = line;
            value = default;
        }
        else
        {
            field = line[..colon];
            value = line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }
        }

        if (field.SequenceEqual("data"u8))
        {
            if (_eventOverflow)
            {
                return;
            }

            var needed = _dataLength + (_hasData ? 1 : 0) + value.Length;
            if (needed > _maxEventBytes)
            {
                _eventOverflow = true;
                return;
            }

            EnsureCapacity(ref _data, needed);
            if (_hasData)
            {
                _data[_dataLength++] = (byte)'\n';
            }

            value.CopyTo(_data.AsSpan(_dataLength));
            _dataLength += value.Length;
            _hasData = true;
        }
        else if (field.SequenceEqual("event"u8))
        {
            if (value.Length > _eventName.Length)
            {
                _eventName = new byte[Math.Min(value.Length, 4096)];
            }

            var n = Math.Min(value.Length, _eventName.Length);
            value[..n].CopyTo(_eventName);
            _eventNameLength = n;
        }

        // id and retry carry nothing the meter needs.
    }

    private void Dispatch()
    {
        if (_eventOverflow)
        {
            OversizedEvents++;
        }
        else if (_hasData)
        {
            EventCount++;
            _sink.OnEvent(_eventName.AsSpan(0, _eventNameLength), _data.AsSpan(0, _dataLength));
        }

        _dataLength = 0;
        _hasData = false;
        _eventNameLength = 0;
        _eventOverflow = false;
    }

    private static void EnsureCapacity(ref byte[] buffer, int needed)
    {
        if (needed <= buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.CopyTo(bigger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = bigger;
    }
}
