using System.Text;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Routing;

/// <summary>What a fake account upstream does with the next request.</summary>
internal enum UpstreamMode
{
    Healthy,
    RateLimited,
    UsageLimitReached,
    ServerError,
    DropConnection,
    CutMidStream,
}

/// <summary>A fake OpenAI- or Anthropic-style upstream standing in for one account, whose behaviour a test switches.</summary>
internal sealed class AccountUpstream : IAsyncDisposable
{
    private AccountUpstream(FakeUpstream fake, string name)
    {
        Fake = fake;
        Name = name;
    }

    public FakeUpstream Fake { get; }
    public string Name { get; }
    public volatile UpstreamMode Mode;
    private readonly TaskCompletionSource _cutReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets a <see cref="UpstreamMode.CutMidStream"/> answer cut its connection (the test has seen the first events).</summary>
    public void ReleaseCut() => _cutReleased.TrySetResult();

    /// <summary>The key this account's upstream expects (test-only, not a real secret).</summary>
    public string Key => $"sk-test-{Name}-0000000000000000";

    public int Count => Fake.Requests.Count;

    public static async Task<AccountUpstream> StartAsync(string name, UpstreamMode mode = UpstreamMode.Healthy)
    {
        AccountUpstream? self = null;
        var fake = await FakeUpstream.StartAsync(app =>
        {
            app.MapPost("/v1/responses", ctx => self!.AnswerAsync(ctx));
            app.MapPost("/v1/messages", ctx => self!.AnswerAnthropicAsync(ctx));
        });
        self = new AccountUpstream(fake, name) { Mode = mode };
        return self;
    }

    private async Task AnswerAsync(HttpContext ctx)
    {
        switch (Mode)
        {
            case UpstreamMode.RateLimited:
                ctx.Response.Headers["retry-after"] = "30";
                await Wire.WriteJsonAsync(ctx.Response, """{"error":{"message":"Rate limit reached","type":"rate_limit_exceeded","code":"rate_limit_exceeded"}}""", 429);
                return;
            case UpstreamMode.UsageLimitReached:
                await Wire.WriteJsonAsync(ctx.Response, """{"error":{"message":"The usage limit has been reached","type":"usage_limit_reached","resets_in_seconds":18000}}""", 429);
                return;
            case UpstreamMode.ServerError:
                await Wire.WriteJsonAsync(ctx.Response, """{"error":{"message":"The server had an error","type":"server_error"}}""", 500);
                return;
            case UpstreamMode.DropConnection:
                ctx.Abort();
                return;
        }

        var events = Wire.ResponsesSseEvents($"resp_{Name}_{Count}", "gpt-5.1", ["Hello", " from ", Name], new OpenAITokens(1200, 200, 80, 30));
        if (Mode == UpstreamMode.CutMidStream)
        {
            await Wire.WriteSseAsync(ctx.Response, events.Take(4));
            await _cutReleased.Task.WaitAsync(TimeSpan.FromSeconds(20));
            ctx.Abort();
            return;
        }

        await Wire.WriteSseAsync(ctx.Response, events);
    }

    private async Task AnswerAnthropicAsync(HttpContext ctx)
    {
        if (Mode == UpstreamMode.RateLimited)
        {
            ctx.Response.Headers["retry-after"] = "30";
            await Wire.WriteJsonAsync(ctx.Response, """{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}""", 429);
            return;
        }

        await Wire.WriteSseAsync(ctx.Response, Wire.AnthropicSseEvents($"msg_{Name}", "claude-sonnet-4-5", ["Hi"], new AnthropicTokens(100, 0, 0, 20)));
    }

    /// <summary>The credentials each request carried, as the upstream saw them.</summary>
    public IEnumerable<string> Credentials => Fake.Requests.Select(r =>
        r.Headers.GetValueOrDefault("authorization") ?? r.Headers.GetValueOrDefault("x-api-key") ?? r.Headers.GetValueOrDefault("api-key") ?? "");

    public IEnumerable<string> AllHeaderValues => Fake.Requests.SelectMany(r => r.Headers.Values);

    public string LastBody => Encoding.UTF8.GetString(Fake.Requests.Last().Body);

    public ValueTask DisposeAsync() => Fake.DisposeAsync();
}
