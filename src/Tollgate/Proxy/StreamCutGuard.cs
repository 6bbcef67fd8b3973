using System.Net;
using System.Text;
using System.Text.Json;
using Tollgate.Core.Usage;
using Tollgate.Metering;

namespace Tollgate.Proxy;

/// <summary>
/// Wraps an upstream SSE body so that, when the upstream breaks the stream after it started,
/// the client gets an error event in its own API's format and a clean end, instead of a cut
/// or (worse) an ending that looks like success: Responses <c>response.failed</c>, Anthropic
/// <c>error</c>, Chat Completions an <c>error</c> chunk. The meter is told, so the record still
/// says the stream was cut.
/// </summary>
internal sealed class StreamCutGuard(HttpContent inner, CallMeter meter, CancellationToken clientAborted) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await using var guarded = await CreateContentReadStreamAsync();
        await guarded.CopyToAsync(stream);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override async Task<Stream> CreateContentReadStreamAsync() => new GuardStream(await inner.ReadAsStreamAsync(), meter, clientAborted);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The error event for an API, framed as a complete SSE event.</summary>
    internal static byte[] ErrorEvent(ApiKind api, string message)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (api)
            {
                case ApiKind.AnthropicMessages:
                    json.WriteString("type", "error");
                    json.WriteStartObject("error");
                    json.WriteString("type", "api_error");
                    json.WriteString("message", message);
                    json.WriteEndObject();
                    break;
                case ApiKind.Responses:
                    json.WriteString("type", "response.failed");
                    json.WriteStartObject("response");
                    json.WriteString("object", "response");
                    json.WriteString("status", "failed");
                    json.WriteStartObject("error");
                    json.WriteString("code", GatewayErrors.UpstreamCut);
                    json.WriteString("message", message);
                    json.WriteEndObject();
                    json.WriteEndObject();
                    break;
                default:
                    json.WriteStartObject("error");
                    json.WriteString("message", message);
                    json.WriteString("type", "tollgate_error");
                    json.WriteString("code", GatewayErrors.UpstreamCut);
                    json.WriteEndObject();
                    break;
            }

            json.WriteEndObject();
        }

        var name = api switch
        {
            ApiKind.AnthropicMessages => "event: error\n",
            ApiKind.Responses => "event: response.failed\n",
            _ => "",
        };

        // A leading blank line ends whatever partial event the upstream left behind.
        return [.. "\n\n"u8, .. Encoding.UTF8.GetBytes(name), .. "data: "u8, .. buffer.ToArray(), .. "\n\n"u8];
    }

    private sealed class GuardStream(Stream inner, CallMeter meter, CancellationToken clientAborted) : Stream
    {
        private ReadOnlyMemory<byte> _tail;
        private bool _ended;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_ended)
            {
                return Drain(buffer.Span);
            }

            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (IsUpstreamCut(e))
            {
                return EndWithError(e, buffer.Span);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(Span<byte> buffer)
        {
            if (_ended)
            {
                return Drain(buffer);
            }

            try
            {
                return inner.Read(buffer);
            }
            catch (Exception e) when (IsUpstreamCut(e))
            {
                return EndWithError(e, buffer);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        /// <summary>A failed read that is the upstream's doing (a client that went away is not: nothing more is sent to it).</summary>
        private bool IsUpstreamCut(Exception e) =>
            e is IOException or HttpRequestException or OperationCanceledException && !clientAborted.IsCancellationRequested;

        private int EndWithError(Exception e, Span<byte> buffer)
        {
            _ended = true;
            meter.StreamCutReported = true;
            _tail = ErrorEvent(meter.Route.Api, e is OperationCanceledException
                ? "Tollgate: the upstream stopped sending and the stream was abandoned; the response is incomplete."
                : "Tollgate: the upstream connection broke in the middle of the stream; the response is incomplete.");
            return Drain(buffer);
        }

        private int Drain(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, _tail.Length);
            _tail.Span[..n].CopyTo(buffer);
            _tail = _tail[n..];
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
