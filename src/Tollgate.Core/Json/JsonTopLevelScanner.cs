using System.Buffers;
using System.Text.Json;

namespace Tollgate.Core.Json;

/// <summary>
/// Streams a JSON object chunk by chunk and keeps only the top-level properties asked for
/// (e.g. <c>usage</c>, <c>model</c>), skipping everything else token by token. Memory stays
/// bounded by the largest single token (or kept value), capped by <c>maxPendingBytes</c>.
/// </summary>
public sealed class JsonTopLevelScanner : IDisposable
{
    private readonly HashSet<string> _wanted;
    private readonly int _maxPendingBytes;
    private readonly Dictionary<string, JsonDocument> _values = new(StringComparer.Ordinal);
    private JsonReaderState _state = new(new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
    private byte[] _pending = [];
    private int _pendingLength;
    private string? _capturing;
    private bool _sawRoot;

    public JsonTopLevelScanner(IEnumerable<string> wanted, int maxPendingBytes = 32 * 1024 * 1024)
    {
        _wanted = new HashSet<string>(wanted, StringComparer.Ordinal);
        _maxPendingBytes = maxPendingBytes;
    }

    /// <summary>True when the input is not JSON, or not an object, or a token outgrew the limit.</summary>
    public bool Failed { get; private set; }

    /// <summary>True once the closing brace of the top-level object was read.</summary>
    public bool Finished { get; private set; }

    public IReadOnlyDictionary<string, JsonDocument> Values => _values;

    public void Feed(ReadOnlySpan<byte> chunk)
    {
        if (Failed || Finished || chunk.IsEmpty)
        {
            return;
        }

        ReadOnlySpan<byte> data;
        if (_pendingLength == 0)
        {
            data = chunk;
        }
        else
        {
            EnsurePending(_pendingLength + chunk.Length);
            chunk.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += chunk.Length;
            data = _pending.AsSpan(0, _pendingLength);
        }

        var reader = new Utf8JsonReader(data, isFinalBlock: false, _state);
        try
        {
            Scan(ref reader);
        }
        catch (JsonException)
        {
            Failed = true;
            return;
        }

        var rest = data[(int)reader.BytesConsumed..];
        _state = reader.CurrentState;
        if (rest.Length > _maxPendingBytes)
        {
            Failed = true;
            return;
        }

        if (_pendingLength == 0 || rest.Length == 0)
        {
            if (rest.Length > 0)
            {
                EnsurePending(rest.Length);
                rest.CopyTo(_pending);
            }

            _pendingLength = rest.Length;
        }
        else
        {
            rest.CopyTo(_pending);
            _pendingLength = rest.Length;
        }
    }

    public void Dispose()
    {
        foreach (var doc in _values.Values)
        {
            doc.Dispose();
        }

        _values.Clear();
        if (_pending.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = [];
        }
    }

    private void Scan(ref Utf8JsonReader reader)
    {
        while (true)
        {
            if (_capturing is not null)
            {
                if (!JsonDocument.TryParseValue(ref reader, out var doc))
                {
                    return;
                }

                if (_values.Remove(_capturing, out var old))
                {
                    old.Dispose();
                }

                _values[_capturing] = doc!;
                _capturing = null;
                continue;
            }

            if (!reader.Read())
            {
                return;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when !_sawRoot:
                    _sawRoot = true;
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                    var name = reader.GetString()!;
                    if (_wanted.Contains(name))
                    {
                        _capturing = name;
                    }

                    break;
                case JsonTokenType.EndObject when reader.CurrentDepth == 0:
                    Finished = true;
                    return;
                default:
                    if (!_sawRoot)
                    {
                        Failed = true; // a top-level array or scalar: not a usage-bearing body
                        return;
                    }

                    break;
            }
        }
    }

    private void EnsurePending(int needed)
    {
        if (needed <= _pending.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 4096));
        _pending.AsSpan(0, _pendingLength).CopyTo(bigger);
        if (_pending.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_pending);
        }

        _pending = bigger;
    }
}
