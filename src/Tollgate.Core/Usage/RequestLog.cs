using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tollgate.Core.Usage;

/// <summary>
/// <c>logs/requests.jsonl</c>: one JSON line per call (time, method, path, status, duration,
/// model, usage, account) — never a header, a body or a secret. Rotated by size: the full
/// file becomes <c>requests.1.jsonl</c>, older ones shift up, the oldest is deleted.
/// Written only by the usage writer's single loop, so it needs no lock.
/// </summary>
public sealed class RequestLog : IDisposable
{
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _keepFiles;
    private const int InitialBuffer = 16 * 1024;
    private const int MaxKeptBuffer = 1024 * 1024;
    private ArrayBufferWriter<byte> _buffer = new(InitialBuffer);
    private Utf8JsonWriter? _writer;
    private FileStream? _stream;

    public RequestLog(string path, long maxBytes = 10 * 1024 * 1024, int keepFiles = 5)
    {
        _path = path;
        _maxBytes = maxBytes;
        _keepFiles = Math.Max(1, keepFiles);
    }

    public string Path => _path;

    public void Append(IReadOnlyList<UsageRecord> records)
    {
        // The batch is serialised into one reused buffer and written with one call: a
        // Utf8JsonWriter over the file would flush the file once per line.
        _buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
        foreach (var r in records)
        {
            writer.Reset(_buffer);
            JsonSerializer.Serialize(writer, Line.From(r), RequestLogJson.Default.Line);
            writer.Flush();
            _buffer.Write("\n"u8);
        }

        var stream = _stream ??= Open();
        stream.Write(_buffer.WrittenSpan);
        stream.Flush();
        if (_buffer.Capacity > MaxKeptBuffer)
        {
            _buffer = new ArrayBufferWriter<byte>(InitialBuffer);
            _writer.Dispose();
            _writer = null;
        }

        if (stream.Length >= _maxBytes)
        {
            Rotate();
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        _stream?.Dispose();
        _stream = null;
    }

    private FileStream Open()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        return new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0); // whole batches are written at once
    }

    private void Rotate()
    {
        _stream?.Dispose();
        _stream = null;
        var stem = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(_path)!, System.IO.Path.GetFileNameWithoutExtension(_path));
        var ext = System.IO.Path.GetExtension(_path);
        var oldest = $"{stem}.{_keepFiles}{ext}";
        if (File.Exists(oldest))
        {
            File.Delete(oldest);
        }

        for (var i = _keepFiles - 1; i >= 1; i--)
        {
            var from = $"{stem}.{i}{ext}";
            if (File.Exists(from))
            {
                File.Move(from, $"{stem}.{i + 1}{ext}");
            }
        }

        File.Move(_path, $"{stem}.1{ext}");
    }

    internal sealed record Line(
        DateTimeOffset Time,
        string Method,
        string Path,
        int Status,
        double DurationMs,
        double? TtfbMs,
        string Service,
        string? Model,
        bool Stream,
        string Transport,
        string Outcome,
        string UsageState,
        long? InputTokens,
        long? CachedInputTokens,
        long? CacheWriteTokens,
        long? OutputTokens,
        long? ReasoningTokens,
        decimal? CostUsd,
        string? SessionId,
        string? Account,
        int? Attempt,
        string? ErrorType)
    {
        public static Line From(UsageRecord r) => new(
            r.Time, r.Method, r.Endpoint, r.Status, Math.Round(r.LatencyMs, 3), r.TimeToFirstByteMs is { } t ? Math.Round(t, 3) : null,
            r.Service, r.Model, r.Stream, r.Transport, r.Outcome.ToString(), r.UsageState.ToString(),
            r.Usage?.InputTokens, r.Usage?.CachedInputTokens, r.Usage?.CacheWriteTokens, r.Usage?.OutputTokens, r.Usage?.ReasoningTokens,
            r.CostUsd, r.SessionId, r.Account, r.Attempt, r.ErrorType);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RequestLog.Line))]
internal sealed partial class RequestLogJson : JsonSerializerContext;
