using System.Text.Json;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Tests.Usage;

public sealed class RequestLogTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-log-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static UsageRecord Record(int i) => new()
    {
        Id = Guid.NewGuid(),
        Time = new DateTimeOffset(2026, 11, 23, 12, 0, i % 60, TimeSpan.Zero),
        Source = "gateway",
        Service = "openai",
        Endpoint = "/v1/responses",
        Status = 200,
        Model = "gpt-5",
        UsageState = UsageState.Reported,
        Usage = new TokenUsage(100 + i, 0, 0, 10, 0),
        SessionId = "s",
    };

    [Fact]
    public void Append_PastMaxSize_RotatesAndKeepsOnlyTheNewestFiles()
    {
        var path = Path.Combine(_dir.FullName, "logs", "requests.jsonl");
        using (var log = new RequestLog(path, maxBytes: 2_000, keepFiles: 2))
        {
            for (var i = 0; i < 100; i++)
            {
                log.Append([Record(i)]);
            }
        }

        var files = Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(["requests.1.jsonl", "requests.2.jsonl", "requests.jsonl"], files);
        Assert.All(files, f => Assert.True(new FileInfo(Path.Combine(Path.GetDirectoryName(path)!, f!)).Length <= 2_000 + 400));

        // The newest lines survive, each a JSON object with the documented fields and nothing else sensitive.
        var last = File.ReadAllLines(path).Last();
        using var doc = JsonDocument.Parse(last);
        Assert.Equal(199, doc.RootElement.GetProperty("input_tokens").GetInt64());
        Assert.Equal("/v1/responses", doc.RootElement.GetProperty("path").GetString());
        Assert.False(doc.RootElement.TryGetProperty("headers", out _));
        Assert.False(doc.RootElement.TryGetProperty("body", out _));
    }
}
