using System.Text.Json;
using Tollgate.Cli;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Tests.Cli;

/// <summary>Report JSON on a large report: written to the stream as it goes, not held until the end.</summary>
public sealed class ReportJsonTests
{
    /// <summary>Remembers the size of each write; keeps the bytes so the document can be read back.</summary>
    private sealed class WriteSizes : MemoryStream
    {
        public List<int> Sizes { get; } = [];

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            Sizes.Add(count);
            base.Write(buffer, offset, count); // MemoryStream's own: it calls no other Write
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task ALargeSessionReport_ReachesTheStreamInPieces_AndReadsBackWhole()
    {
        const int count = 20_000;
        var layout = new ModelTotals.Layout(["gpt-5.1-codex", "gpt-5.1-codex-mini", ""]);
        var sessions = new List<SessionRow>(count);
        var all = new UsageTotals();
        for (var i = 0; i < count; i++)
        {
            // Nine counts per model (requests, input, cached, cache write, output, reasoning, cost in pico-dollars, unpriced, unknown).
            long[] sums = [1, 100 + i, 0, 0, 10, 0, 1_000_000, 0, 0, 2, 200, 50, 0, 20, 5, 2_000_000, 0, 0, 1, 7, 0, 0, 1, 0, 0, 1, 0];
            var totals = new UsageTotals();
            for (var m = 0; m < 3; m++)
            {
                totals.Add(sums.AsSpan(m * SessionUsage.CountsPerModel, SessionUsage.CountsPerModel));
                all.Add(sums.AsSpan(m * SessionUsage.CountsPerModel, SessionUsage.CountsPerModel));
            }

            var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero).AddSeconds(i);
            sessions.Add(new SessionRow($"session-{i:D5}", at, at, totals, new ModelTotals(layout, sums), null));
        }

        var stream = new WriteSizes();
        await ReportJson.WriteSessionsAsync(stream, new SessionReport(sessions, all, TimeZoneInfo.Utc), new ReportView(Breakdown: false, ShowCost: true, Compact: false), TestContext.Current.CancellationToken);

        Assert.True(stream.Length > 10_000_000, $"the report should be large, it is {stream.Length} bytes");
        Assert.True(stream.Sizes.Count > 100, $"{stream.Sizes.Count} writes");
        Assert.True(stream.Sizes.Max() < 1024 * 1024, $"a write of {stream.Sizes.Max()} bytes");
        using var document = JsonDocument.Parse(stream.ToArray());
        var rows = document.RootElement.GetProperty("sessions");
        Assert.Equal(count, rows.GetArrayLength());
        Assert.Equal(new[] { PeriodReport.UnknownModel, "gpt-5.1-codex", "gpt-5.1-codex-mini" }, rows[0].GetProperty("modelsUsed").EnumerateArray().Select(m => m.GetString()));
        long Input(int row, string model) => rows[row].GetProperty("models").GetProperty(model).GetProperty("inputTokens").GetInt64();
        Assert.Equal((100L, 150L, 7L), (Input(0, "gpt-5.1-codex"), Input(0, "gpt-5.1-codex-mini"), Input(0, PeriodReport.UnknownModel))); // input without cache reads
        Assert.Equal(50, rows[0].GetProperty("models").GetProperty("gpt-5.1-codex-mini").GetProperty("cacheReadTokens").GetInt64());
        Assert.Equal(100 + count - 1, Input(count - 1, "gpt-5.1-codex")); // each row its own sums
        Assert.Equal((338L * count) + ((long)count * (count - 1) / 2), document.RootElement.GetProperty("totals").GetProperty("totalTokens").GetInt64());
        Assert.Equal([PeriodReport.UnknownModel], document.RootElement.GetProperty("unpricedModels").EnumerateArray().Select(m => m.GetString())); // only its calls are unpriced
    }
}
