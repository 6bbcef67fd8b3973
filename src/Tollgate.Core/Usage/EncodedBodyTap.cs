using Tollgate.Core.Compression;

namespace Tollgate.Core.Usage;

/// <summary>
/// Wraps a tap for a response whose body is compressed (<c>Content-Encoding</c>). Compressed
/// JSON answers are small, so the encoded bytes are kept (up to a cap) and decoded once at the
/// end; past the cap the usage is unknown rather than guessed.
/// </summary>
public sealed class EncodedBodyTap : IUsageTap
{
    private const int MaxEncodedBytes = 8 * 1024 * 1024;
    private const long MaxDecodedBytes = 64L * 1024 * 1024;
    private readonly IUsageTap _inner;
    private readonly string _encoding;
    private readonly MemoryStream _encoded = new();
    private bool _overflow;

    public EncodedBodyTap(IUsageTap inner, string encoding)
    {
        _inner = inner;
        _encoding = encoding;
    }

    public void Observe(ReadOnlySpan<byte> chunk)
    {
        if (_overflow)
        {
            return;
        }

        if (_encoded.Length + chunk.Length > MaxEncodedBytes)
        {
            _overflow = true;
            _encoded.SetLength(0);
            return;
        }

        _encoded.Write(chunk);
    }

    public CallUsage Complete(bool bodyComplete)
    {
        if (_overflow)
        {
            return new CallUsage { Malformed = false };
        }

        var status = ContentCoding.TryDecode(_encoding, _encoded.GetBuffer().AsMemory(0, (int)_encoded.Length), MaxDecodedBytes, out var decoded);
        if (status != DecodeStatus.Ok)
        {
            return new CallUsage { Malformed = bodyComplete };
        }

        _inner.Observe(decoded.Span);
        return _inner.Complete(bodyComplete);
    }

    public void Dispose()
    {
        _inner.Dispose();
        _encoded.Dispose();
    }
}
