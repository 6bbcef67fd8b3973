using System.Text;
using BenchmarkDotNet.Attributes;
using Tollgate.Core.CodexLogs;

namespace Tollgate.Bench;

/// <summary>
/// Reading one 64 MB rollout file from the start (page cache warm): the shape of a real one,
/// mostly large <c>response_item</c> lines with a <c>token_count</c> every 20 lines.
/// </summary>
[MemoryDiagnoser]
public class RolloutBenchmarks
{
    private const string Thread = "01a20846-ae81-7313-836e-f02013860803";
    private string _dir = "";
    private string _file = "";

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("tollgate-bench-rollout-").FullName;
        _file = Path.Combine(_dir, $"rollout-2026-11-23T09-00-00-{Thread}.jsonl");
        using var w = new StreamWriter(_file, append: false, new UTF8Encoding(false));
        w.Write("{\"timestamp\":\"2026-11-23T09:00:00.000Z\",\"ordinal\":0,\"type\":\"session_meta\",\"payload\":{\"id\":\"" + Thread + "\",\"cwd\":\"/work\",\"originator\":\"codex_cli_rs\",\"cli_version\":\"0.169.0\"}}\n");
        w.Write("""{"timestamp":"2026-11-23T09:00:00.100Z","ordinal":1,"type":"turn_context","payload":{"turn_id":"t","cwd":"/work","model":"gpt-5.1-codex","effort":"high"}}""" + "\n");
        var text = new string('a', 3000);
        long input = 0, output = 0;
        var i = 2;
        while (w.BaseStream.Length < 64L * 1024 * 1024)
        {
            if (i % 20 == 0)
            {
                input += 12_000;
                output += 400;
                w.Write($$$"""{"timestamp":"2026-11-23T09:{{{i / 1000 % 60:D2}}}:00.000Z","ordinal":{{{i}}},"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":{{{input}}},"cached_input_tokens":0,"output_tokens":{{{output}}},"reasoning_output_tokens":0,"total_tokens":{{{input + output}}}},"last_token_usage":{"input_tokens":12000,"cached_input_tokens":0,"output_tokens":400,"reasoning_output_tokens":0,"total_tokens":12400},"model_context_window":258400},"rate_limits":null}}""" + "\n");
            }
            else
            {
                w.Write("{\"timestamp\":\"2026-11-23T09:00:00.000Z\",\"ordinal\":" + i + ",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"" + text + "\"}]}}\n");
            }

            i++;
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark]
    public int ReadWholeFile() => RolloutReader.Read(_file, null).Calls.Count;
}
