using System.Text;
using Tollgate.Core.Json;

namespace Tollgate.Core.Tests.Json;

public sealed class JsonTopLevelScannerTests
{
    [Fact]
    public void Feed_NestedUsageIgnored_TopLevelKeptAtEverySplit()
    {
        var data = Encoding.UTF8.GetBytes("""{"output":[{"usage":{"x":1},"text":"\"usage\":"}],"usage":{"input_tokens":5},"model":"m","tail":[1,2,{"a":"b"}]}""");
        for (var at = 0; at <= data.Length; at++)
        {
            using var scanner = new JsonTopLevelScanner(["usage", "model"]);
            scanner.Feed(data.AsSpan(0, at));
            scanner.Feed(data.AsSpan(at));

            Assert.True(scanner.Finished);
            Assert.False(scanner.Failed);
            Assert.Equal("""{"input_tokens":5}""", scanner.Values["usage"].RootElement.GetRawText());
            Assert.Equal("m", scanner.Values["model"].RootElement.GetString());
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"a\":}")]
    public void Feed_NotAJsonObject_Fails(string text)
    {
        using var scanner = new JsonTopLevelScanner(["usage"]);
        scanner.Feed(Encoding.UTF8.GetBytes(text));

        Assert.True(scanner.Failed);
    }

    [Fact]
    public void Feed_TokenLargerThanLimit_FailsInsteadOfGrowing()
    {
        using var scanner = new JsonTopLevelScanner(["usage"], maxPendingBytes: 1024);
        scanner.Feed(Encoding.UTF8.GetBytes("{\"b64\":\"" + new string('A', 10_000)));

        Assert.True(scanner.Failed);
    }
}
