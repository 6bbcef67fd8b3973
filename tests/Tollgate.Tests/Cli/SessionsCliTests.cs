using System.Text.Json;

namespace Tollgate.Tests.Cli;

/// <summary><c>tollgate sessions list|last</c> from a project directory, over hand-written rollout files.</summary>
public sealed class SessionsCliTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private void WriteSession(string thread, string cwd, string day, string prompt, long input)
    {
        var file = Path.Combine(_sandbox.CodexHome, "sessions", "2026", "11", day, $"rollout-2026-11-{day}T09-00-00-{thread}.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllLines(file,
        [
            "{\"timestamp\":\"2026-11-" + day + "T09:00:00Z\",\"type\":\"session_meta\",\"payload\":{\"id\":\"" + thread + "\",\"cwd\":\"" + cwd + "\",\"originator\":\"codex_cli_rs\",\"cli_version\":\"0.169.0\"}}",
            "{\"timestamp\":\"2026-11-" + day + "T09:00:01Z\",\"type\":\"turn_context\",\"payload\":{\"cwd\":\"" + cwd + "\",\"model\":\"gpt-5.1-codex\"}}",
            "{\"timestamp\":\"2026-11-" + day + "T09:00:02Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"user_message\",\"message\":\"" + prompt + "\"}}",
            "{\"timestamp\":\"2026-11-" + day + "T09:00:09Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":" + input + ",\"cached_input_tokens\":0,\"output_tokens\":10,\"reasoning_output_tokens\":0,\"total_tokens\":" + (input + 10) + "},\"model_context_window\":258400}}}",
        ]);
    }

    [Fact]
    public async Task ThisProjectsSessionsFirst_AndLastPrintsTheResumeCommand()
    {
        var project = Directory.CreateDirectory(Path.Combine(_sandbox.Dir.FullName, "work", "app")).FullName;
        var other = Path.Combine(_sandbox.Dir.FullName, "work", "other");
        const string Here = "01a20846-0000-7000-8000-000000000001", Inside = "01a20846-0000-7000-8000-000000000002", Elsewhere = "01a20846-0000-7000-8000-000000000003";
        WriteSession(Here, project, "20", "add the login page", 1000);
        WriteSession(Inside, project + "/src", "21", "fix the tests", 2000);
        WriteSession(Elsewhere, other, "22", "unrelated", 3000);
        File.WriteAllText(Path.Combine(_sandbox.CodexHome, "session_index.jsonl"), "{\"id\":\"" + Here + "\",\"thread_name\":\"Login page\",\"updated_at\":\"2026-11-20T10:00:00Z\"}\n");

        var (code, stdout, stderr) = await TollgateProcess.RunInAsync(project, _sandbox.Env(), "sessions", "list", "--json");
        Assert.True(code == 0, stderr);
        var rows = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal([Inside, Here, Elsewhere], rows.Select(r => r.GetProperty("sessionId").GetString()));
        Assert.Equal([true, true, false], rows.Select(r => r.GetProperty("inProject").GetBoolean()));
        Assert.Equal("Login page", rows[1].GetProperty("name").GetString());
        Assert.Equal("fix the tests", rows[0].GetProperty("firstPrompt").GetString());
        Assert.Equal(2010, rows[0].GetProperty("totalTokens").GetInt64());

        (code, stdout, stderr) = await TollgateProcess.RunInAsync(project, _sandbox.Env(), "sessions", "list", "--limit", "1");
        Assert.True(code == 0, stderr);
        Assert.Equal(Inside, stdout.Split('\n')[0].Trim()); // the id alone on its line
        Assert.DoesNotContain(Here, stdout);

        (code, stdout, stderr) = await TollgateProcess.RunInAsync(project, _sandbox.Env(), "sessions", "last");
        Assert.True(code == 0, stderr);
        Assert.Contains($"codex resume {Inside}", stdout);

        Directory.CreateDirectory(other + "2");
        (code, _, stderr) = await TollgateProcess.RunInAsync(other + "2", _sandbox.Env(), "sessions", "last");
        Assert.Equal(7, code);
        Assert.Contains("no Codex session was started in or around", stderr);
    }
}
