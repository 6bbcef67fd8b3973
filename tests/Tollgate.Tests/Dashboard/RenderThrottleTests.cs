using Microsoft.Extensions.Time.Testing;
using Tollgate.Dashboard;

namespace Tollgate.Tests.Dashboard;

public sealed class RenderThrottleTests
{
    [Fact]
    public async Task Poke_ABurst_RunsOnceAtOnceThenOnceAfterTheInterval()
    {
        var time = new FakeTimeProvider();
        var runs = new Runs();
        using var throttle = new RenderThrottle(TimeSpan.FromSeconds(1), time, () =>
        {
            runs.Ran();
            return Task.CompletedTask;
        });

        throttle.Poke(); // the first poke runs at once
        await runs.NextAsync();
        Assert.Equal(1, runs.Count);
        for (var i = 0; i < 50; i++)
        {
            throttle.Poke();
        }

        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal(1, runs.Count);
        time.Advance(TimeSpan.FromMilliseconds(100));
        await runs.NextAsync();
        Assert.Equal(2, runs.Count);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, runs.Count); // fifty pokes, one run
    }

    [Fact]
    public async Task Poke_WhileRunning_RunsAgainAfterwards()
    {
        var time = new FakeTimeProvider();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = new Runs();
        using var throttle = new RenderThrottle(TimeSpan.FromSeconds(1), time, async () =>
        {
            if (runs.Ran() == 1)
            {
                await release.Task;
            }
        });

        throttle.Poke();
        await runs.NextAsync();
        Assert.Equal(1, runs.Count);
        throttle.Poke(); // the run in progress may have read the store before this record
        release.SetResult();
        time.Advance(TimeSpan.FromSeconds(1));
        await runs.NextAsync();
        Assert.Equal(2, runs.Count);
    }

    [Fact]
    public void Dispose_StopsFurtherRuns()
    {
        var time = new FakeTimeProvider();
        var runs = 0;
        var throttle = new RenderThrottle(TimeSpan.FromSeconds(1), time, () =>
        {
            runs++;
            return Task.CompletedTask;
        });

        throttle.Dispose();
        throttle.Poke();
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0, runs);
    }

    /// <summary>Counts the action's runs and lets a test await the next one: a bounded wait on a signal, no polling.</summary>
    private sealed class Runs
    {
        private readonly SemaphoreSlim _ran = new(0);
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public int Ran()
        {
            var count = Interlocked.Increment(ref _count);
            _ran.Release();
            return count;
        }

        public async Task NextAsync() =>
            Assert.True(await _ran.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken), "the action did not run within 5 s");
    }

    [Fact]
    public async Task Poke_ActionThrows_IsReportedAndTheNextPokeRunsAgain()
    {
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        var failed = new Runs();
        var runs = new Runs();
        using var throttle = new RenderThrottle(TimeSpan.FromSeconds(1), time, () =>
        {
            runs.Ran();
            throw new InvalidOperationException("store gone");
        }, e =>
        {
            failures.Add(e);
            failed.Ran();
        });

        throttle.Poke();
        await failed.NextAsync();
        Assert.Equal("store gone", Assert.Single(failures).Message);
        throttle.Poke();
        time.Advance(TimeSpan.FromSeconds(1));
        await runs.NextAsync(); // the first run
        await runs.NextAsync(); // the run after the failure
        Assert.Equal(2, runs.Count);
    }
}
