using System.Text;
using Tollgate.Core.Sse;

namespace Tollgate.Core.Tests.Sse;

public sealed class SseParserTests
{
    private sealed class Collector : ISseEventSink
    {
        public List<(string Name, string Data)> Events { get; } = [];

        public void OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data) =>
            Events.Add((Encoding.UTF8.GetString(eventName), Encoding.UTF8.GetString(data)));
    }

    private static List<(string, string)> Parse(params byte[][] chunks)
    {
        var sink = new Collector();
        using var parser = new SseParser(sink);
        foreach (var chunk in chunks)
        {
            parser.Feed(chunk);
        }

        parser.Complete();
        return sink.Events;
    }

    [Fact]
    public void Feed_MixedLineEndingsCommentsAndMultilineData_ParsesPerSpec()
    {
        var text = "\uFEFF: comment\r\nevent: a\r\ndata: one\r\ndata:two\r\n\r\ndata: x\rid: 5\r\rretry: 10\n\nevent: empty\n\n";
        var events = Parse(Encoding.UTF8.GetBytes(text));

        Assert.Equal([("a", "one\ntwo"), ("", "x")], events);
    }

    [Fact]
    public void Feed_SplitAtEveryByteBoundary_SameEvents()
    {
        var data = Fixture.Bytes("Streams/anthropic-corrected.sse");
        var whole = Parse(data);
        Assert.Equal(7, whole.Count);
        for (var at = 0; at <= data.Length; at++)
        {
            Assert.Equal(whole, Parse(data[..at], data[at..]));
        }

        Assert.Equal(whole, Parse(data.Select(b => new[] { b }).ToArray()));
    }

    [Fact]
    public void Feed_EventLargerThanLimit_DroppedAndCounted()
    {
        var sink = new Collector();
        using var parser = new SseParser(sink, maxEventBytes: 64);
        parser.Feed(Encoding.UTF8.GetBytes($"data: {new string('x', 100)}\n\ndata: {new string('y', 30)}\ndata: {new string('z', 40)}\n\ndata: ok\n\n"));

        Assert.Equal([("", "ok")], sink.Events);
        Assert.Equal(2, parser.OversizedEvents);
    }

    [Fact]
    public void Complete_EventWithoutClosingBlankLine_IsNotDispatchedAndReported()
    {
        var sink = new Collector();
        using var parser = new SseParser(sink);
        parser.Feed("data: done\n\ndata: half"u8);

        Assert.True(parser.Complete());
        Assert.Equal([("", "done")], sink.Events);
    }
}
