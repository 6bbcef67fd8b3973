using Tollgate.Core.Usage;

namespace Tollgate.Core.Tests.Usage;

public sealed class RecordIdsTests
{
    [Fact]
    public void Version7_IsLaidOutAsTheRuntimesOwn_AndOrderedByTime()
    {
        var time = new DateTimeOffset(2026, 12, 3, 6, 40, 12, 345, TimeSpan.Zero);
        var ours = RecordIds.Version7(time);
        var runtimes = Guid.CreateVersion7(time);
        Assert.Equal(7, ours.Version);
        Assert.Equal(runtimes.Version, ours.Version);
        Assert.Equal(0b10, runtimes.Variant >> 2); // RFC 9562's variant: the top two bits 10, the other two random
        Assert.Equal(0b10, ours.Variant >> 2);
        Assert.Equal(runtimes.ToString("N")[..12], ours.ToString("N")[..12]); // the milliseconds, first
        Assert.Equal(time.ToUnixTimeMilliseconds(), Convert.ToInt64(ours.ToString("N")[..12], 16));

        var later = RecordIds.Version7(time.AddMilliseconds(1));
        Assert.True(string.CompareOrdinal(ours.ToString("N"), later.ToString("N")) < 0);
    }

    [Fact]
    public void Version7_DoesNotRepeat_WithinOneMillisecond()
    {
        var time = new DateTimeOffset(2026, 12, 3, 6, 40, 12, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 200_000).Select(_ => RecordIds.Version7(time)).ToHashSet();
        Assert.Equal(200_000, ids.Count);
    }

    [Fact]
    public void Text_IsWhatToStringNWrites()
    {
        var random = new Random(7);
        var ids = new List<Guid> { Guid.Empty, Guid.AllBitsSet, RecordIds.Version7(DateTimeOffset.UnixEpoch) };
        for (var i = 0; i < 10_000; i++)
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            ids.Add(new Guid(bytes));
            ids.Add(RecordIds.Version7(DateTimeOffset.FromUnixTimeMilliseconds(random.NextInt64(0, 253_402_300_799_999))));
        }

        Assert.All(ids, id => Assert.Equal(id.ToString("N"), RecordIds.Text(id)));
    }
}
