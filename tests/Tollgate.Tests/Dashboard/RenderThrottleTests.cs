using Microsoft.Extensions.Time.Testing;
using Tollgate.Dashboard;

namespace Tollgate.Tests.Dashboard;

public sealed class RenderThrottleTests
{
    [Fact]
    public async Task Poke_ABurst_RunsOnceAtOnceThenOnceAfterTheInterval()
    {
        var time = new FakeTimeProvider();
        var runs = 0;
        using var throttle = new RenderThrottle(TimeSpan.FromSeconds(1), time, () =>
        {
            Interlocked.Increment(ref runs);
            return Task.CompletedTask;
        });

        throttle.Poke(); // the first poke runs at once
        await WaitUntilAsync(() => runs == 1);
        for (var i = 0; i < 50; i++)
        {
            throttle.Poke();
        }

        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal(1, runs);
        time.Advance(TimeSpan.FromMilliseconds(100));
        await WaitUntilAsync(() => runs == 2);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, runs); // fifty pokes, one run
    }

    [Fact]
    public async Task Poke_WhileRunning_RunsAgainAfterwards()
    {
        var time = new FakeTimeProvider();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        using var throttle = new RenderThrottle(TimeSpan.FromSeconds(1), time, async () =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                await release.Task;
            }
        });

        throttle.Poke();
        await WaitUntilAsync(() => runs == 1);
        throttle.Poke(); // the run in progress may have read the store before this record
        release.SetResult();
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => runs == 2);
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

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // The timer callback runs on the thread pool; give it a bounded while.
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }

    [Fact]
    public async Task Poke_ActionThrows_IsReportedAndTheNextPokeRunsAgain()
    {
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        var runs = 0;
        using var throttle = new RenderThrottle(TimeSpan.FromSeconds(1), time, () =>
        {
            runs++;
            throw new InvalidOperationException("store gone");
        }, failures.Add);

        throttle.Poke();
        for (var i = 0; i < 200 && failures.Count == 0; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal("store gone", Assert.Single(failures).Message);
        throttle.Poke();
        time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 200 && runs < 2; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, runs);
    }
}
