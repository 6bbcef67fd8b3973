namespace Tollgate.Proxy;

/// <summary>
/// Passes every read or write through to the inner stream and keeps a copy of the first
/// <see cref="Limit"/> bytes that went by, for the body log. Only used while body logging is on.
/// </summary>
internal sealed class CaptureStream(Stream inner, int limit) : Stream
{
    private readonly MemoryStream _copy = new();

    public int Limit => limit;

    /// <summary>Every byte that went through, including those past the limit.</summary>
    public long Total { get; private set; }

    public ReadOnlyMemory<byte> Captured => _copy.GetBuffer().AsMemory(0, (int)_copy.Length);

    public bool Truncated => Total > _copy.Length;

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Keep(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        return Keep(buffer.Span[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Keep(buffer.AsSpan(offset, count));
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        Keep(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private int Keep(ReadOnlySpan<byte> bytes)
    {
        var room = limit - (int)_copy.Length;
        if (room > 0)
        {
            _copy.Write(bytes[..Math.Min(room, bytes.Length)]);
        }

        Total += bytes.Length;
        return bytes.Length;
    }
}
