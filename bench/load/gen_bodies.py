#!/usr/bin/env python3
"""Generate the canned request/response bodies used by bench/load/run.sh.

Deterministic (no randomness, no clock): running it twice gives byte-identical
files, so the outputs in bodies/ can be checked in and regenerated at will.

    python3 bench/load/gen_bodies.py            # writes bench/load/bodies/
    python3 bench/load/gen_bodies.py OUT_DIR

Files written:
  responses_request_stream.json   ~20 KB Codex-like POST /v1/responses body, "stream": true
  responses_request_json.json     same request with "stream": false
  chat_request.json               small POST /v1/chat/completions body
  responses.sse                   OpenAI Responses SSE stream ending in response.completed (usage)
  responses.json                  Responses JSON object with usage
  chat.json                       chat.completion JSON with usage
  slow_stream_echo.conf           nginx echo-module snippet: 20 SSE chunks, 20 ms apart
"""
import json
import os
import sys

MODEL = "gpt-5-codex"
RESP_ID = "resp_0b1e6a3c9f2d4e5f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d"
MSG_ID = "msg_0b1e6a3c9f2d4e5f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3e"
RS_ID = "rs_0b1e6a3c9f2d4e5f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3f"
CREATED = 1760000000

USAGE = {
    "input_tokens": 5123,
    "input_tokens_details": {"cached_tokens": 4864},
    "output_tokens": 412,
    "output_tokens_details": {"reasoning_tokens": 256},
    "total_tokens": 5535,
}

WORDS = (
    "the gateway forwards each request untouched and meters tokens from the response "
    "stream while the client keeps its connection open so that latency stays low and "
    "memory stays bounded even when many agents share one machine with two cores"
).split()


def text(n_words, seed):
    """Deterministic filler prose of n_words words."""
    out = []
    for i in range(n_words):
        out.append(WORDS[(i * 7 + seed * 13) % len(WORDS)])
    s = " ".join(out)
    return s[0].upper() + s[1:] + "."


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def responses_request(stream, target_bytes=20 * 1024):
    instructions = (
        "You are Codex, a coding agent running in a terminal. " + text(380, 1)
    )
    tools = [
        {
            "type": "function",
            "name": "shell",
            "description": "Runs a shell command and returns its output. " + text(40, 2),
            "strict": False,
            "parameters": {
                "type": "object",
                "properties": {
                    "command": {"type": "array", "items": {"type": "string"}},
                    "workdir": {"type": "string"},
                    "timeout_ms": {"type": "number"},
                },
                "required": ["command"],
                "additionalProperties": False,
            },
        },
        {
            "type": "function",
            "name": "apply_patch",
            "description": "Applies a patch to files in the workspace. " + text(40, 3),
            "strict": False,
            "parameters": {
                "type": "object",
                "properties": {"input": {"type": "string"}},
                "required": ["input"],
                "additionalProperties": False,
            },
        },
    ]
    input_items = [
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "<environment_context>\n  <cwd>/work/project</cwd>\n  <approval_policy>on-request</approval_policy>\n  <sandbox_mode>workspace-write</sandbox_mode>\n  <network_access>restricted</network_access>\n  <shell>bash</shell>\n</environment_context>"}],
        },
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Add a retry with backoff to the upstream client and a test for it."}],
        },
        {
            "type": "function_call",
            "name": "shell",
            "arguments": dumps({"command": ["bash", "-lc", "rg -n \"HttpClient\" src"], "workdir": "/work/project"}),
            "call_id": "call_Xq1",
        },
    ]
    req = {
        "model": MODEL,
        "instructions": instructions,
        "input": input_items,
        "tools": tools,
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "reasoning": {"effort": "medium", "summary": "auto"},
        "store": False,
        "stream": stream,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    }
    # Pad with a tool output (a realistic file listing) until the body is ~target_bytes.
    base = len(dumps(req).encode())
    lines = []
    i = 0
    # Each item adds 2 objects (output + follow-up) so compute the filler length directly.
    while True:
        lines.append("src/Upstream/Client%02d.cs:%d:    private readonly HttpClient _http%d; // %s" % (i % 40, 10 + i, i, text(6, i)))
        i += 1
        trial = dumps({"type": "function_call_output", "call_id": "call_Xq1", "output": dumps({"output": "\n".join(lines), "metadata": {"exit_code": 0, "duration_seconds": 0.1}})})
        if base + len(trial.encode()) + 1 >= target_bytes:
            break
        if i > 10000:  # bounded
            break
    req["input"].append(json.loads(trial))
    return req


def sse_event(obj):
    return "event: %s\ndata: %s\n\n" % (obj["type"], dumps(obj))


def response_obj(status, output, usage):
    return {
        "id": RESP_ID,
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": MODEL,
        "output": output,
        "parallel_tool_calls": False,
        "previous_response_id": None,
        "prompt_cache_key": "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "reasoning": {"effort": "medium", "summary": "auto"},
        "service_tier": "default",
        "store": False,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": {},
    }


def answer_deltas(n):
    """Split a short assistant answer into n deltas (token-sized pieces)."""
    words = text(n, 5).split(" ")
    return [(w if i == 0 else " " + w) for i, w in enumerate(words)]


def reasoning_item():
    return {
        "id": RS_ID,
        "type": "reasoning",
        "encrypted_content": "gAAAAB" + ("Qk1" * 120),
        "summary": [{"type": "summary_text", "text": "**Planning retry logic**\n\n" + text(30, 6)}],
    }


def message_item(full_text, status="completed"):
    return {
        "id": MSG_ID,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": full_text}],
    }


def responses_sse(n_deltas=40):
    seq = 0
    events = []

    def ev(obj):
        nonlocal seq
        obj = dict(obj)
        obj["sequence_number"] = seq
        seq += 1
        events.append(sse_event(obj))

    deltas = answer_deltas(n_deltas)
    full = "".join(deltas)
    ev({"type": "response.created", "response": response_obj("in_progress", [], None)})
    ev({"type": "response.in_progress", "response": response_obj("in_progress", [], None)})
    ev({"type": "response.output_item.added", "output_index": 0, "item": {"id": RS_ID, "type": "reasoning", "encrypted_content": None, "summary": []}})
    ev({"type": "response.output_item.done", "output_index": 0, "item": reasoning_item()})
    ev({"type": "response.output_item.added", "output_index": 1, "item": {"id": MSG_ID, "type": "message", "status": "in_progress", "role": "assistant", "content": []}})
    ev({"type": "response.content_part.added", "item_id": MSG_ID, "output_index": 1, "content_index": 0, "part": {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}})
    for d in deltas:
        ev({"type": "response.output_text.delta", "item_id": MSG_ID, "output_index": 1, "content_index": 0, "delta": d, "logprobs": [], "obfuscation": "aB3xYz"})
    ev({"type": "response.output_text.done", "item_id": MSG_ID, "output_index": 1, "content_index": 0, "text": full, "logprobs": []})
    ev({"type": "response.content_part.done", "item_id": MSG_ID, "output_index": 1, "content_index": 0, "part": {"type": "output_text", "annotations": [], "logprobs": [], "text": full}})
    ev({"type": "response.output_item.done", "output_index": 1, "item": message_item(full)})
    ev({"type": "response.completed", "response": response_obj("completed", [reasoning_item(), message_item(full)], USAGE)})
    return events


def responses_json():
    full = "".join(answer_deltas(40))
    return dumps(response_obj("completed", [reasoning_item(), message_item(full)], USAGE)) + "\n"


def chat_request():
    return dumps({
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant. Answer briefly."},
            {"role": "user", "content": "What is the capital of France? Answer in one word."},
        ],
        "max_tokens": 64,
        "temperature": 0,
    })


def chat_json():
    return dumps({
        "id": "chatcmpl-CBench0123456789abcdefABCDEF",
        "object": "chat.completion",
        "created": CREATED,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "Paris.", "refusal": None, "annotations": []},
            "logprobs": None,
            "finish_reason": "stop",
        }],
        "usage": {
            "prompt_tokens": 31,
            "completion_tokens": 3,
            "total_tokens": 34,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        },
        "service_tier": "default",
        "system_fingerprint": "fp_bench0001",
    }) + "\n"


def nginx_quote(s):
    """Single-quoted nginx string; nginx turns \\n inside quotes into a newline."""
    if "$" in s:
        raise ValueError("'$' would be a variable in nginx echo strings")
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def slow_stream_echo(n_chunks=20, gap_s=0.02):
    """nginx echo-module directives: n_chunks SSE chunks, gap_s apart, each flushed.

    The first chunk (response.created) is sent immediately, so time-to-first-byte
    through a non-buffering proxy should be close to the direct figure; the whole
    response takes about (n_chunks - 1) * gap_s.
    """
    usage_small = {
        "input_tokens": 5123,
        "input_tokens_details": {"cached_tokens": 4864},
        "output_tokens": n_chunks - 2,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 5123 + n_chunks - 2,
    }
    chunks = []
    small_resp = {"id": RESP_ID, "object": "response", "created_at": CREATED, "status": "in_progress", "model": MODEL, "output": [], "usage": None}
    chunks.append(sse_event({"type": "response.created", "sequence_number": 0, "response": small_resp}))
    deltas = answer_deltas(n_chunks - 2)
    for i, d in enumerate(deltas):
        chunks.append(sse_event({"type": "response.output_text.delta", "sequence_number": i + 1, "item_id": MSG_ID, "output_index": 0, "content_index": 0, "delta": d}))
    done = dict(small_resp, status="completed", usage=usage_small,
                output=[message_item("".join(deltas))])
    chunks.append(sse_event({"type": "response.completed", "sequence_number": n_chunks - 1, "response": done}))
    assert len(chunks) == n_chunks
    lines = ["# Generated by bench/load/gen_bodies.py: %d SSE chunks, %d ms apart (echo module)." % (n_chunks, int(gap_s * 1000))]
    for i, c in enumerate(chunks):
        if i > 0:
            lines.append("echo_sleep %.3f;" % gap_s)
        lines.append("echo -n %s;" % nginx_quote(c))
        lines.append("echo_flush;")
    return "\n".join(lines) + "\n"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "bodies")
    os.makedirs(out, exist_ok=True)
    files = {
        "responses_request_stream.json": dumps(responses_request(True)),
        "responses_request_json.json": dumps(responses_request(False)),
        "chat_request.json": chat_request(),
        "responses.sse": "".join(responses_sse()),
        "responses.json": responses_json(),
        "chat.json": chat_json(),
        "slow_stream_echo.conf": slow_stream_echo(),
    }
    for name, content in files.items():
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as f:
            f.write(content)
        print("%-32s %7d bytes" % (name, len(content.encode("utf-8"))))


if __name__ == "__main__":
    main()
