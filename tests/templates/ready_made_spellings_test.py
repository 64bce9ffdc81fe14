#!/usr/bin/python3
"""The Liquid spellings of the ready-made templates (tools/benchmarks/render/ready_made_liquid.json,
what render_vs_liquidjs renders) say what the shipped Django ones say: for every template and part,
bench_render's Liquid output equals template_render_tool's rendering of the shipped Django part over
the same data. Usage: ready_made_spellings_test.py BENCH_RENDER RENDER_TOOL READY_MADE FIXTURE."""
import json
import subprocess
import sys


def main():
    bench_render, render_tool, ready_made_path, fixture_path = sys.argv[1:5]
    with open(ready_made_path) as f:
        shipped = {t["id"]: t["notification"] for t in json.load(f)}
    with open(fixture_path) as f:
        fixture = json.load(f)
    liquid = json.loads(subprocess.run([bench_render, f"--fixture={fixture_path}", "--print"],
                                       check=True, capture_output=True, text=True).stdout)
    requests, keys = [], []
    for t in fixture["templates"]:
        django = shipped[t["id"]]
        parts = {k for k in ("subject", "text_message", "html_message", "sms_message",
                             "push_message") if django.get(k)}
        if parts != set(t["parts"]):
            sys.exit(f"{t['id']}: the Liquid spelling has parts {sorted(t['parts'])}, "
                     f"the shipped template {sorted(parts)}")
        for part in sorted(parts):
            keys.append((t["id"], part))
            requests.append(json.dumps({"syntax": "django", "template": django[part],
                                        "context": fixture["data"][t["event"]],
                                        "autoescape": part == "html_message"}))
    answers = subprocess.run([render_tool], input="\n".join(requests) + "\n", check=True,
                             capture_output=True, text=True).stdout.splitlines()
    failures = 0
    for (tid, part), line in zip(keys, answers, strict=True):
        answer = json.loads(line)
        if answer.get("output") != liquid[tid][part]:
            failures += 1
            print(f"{tid} {part}:\n  django {answer!r}\n  liquid {liquid[tid][part]!r}")
    print(f"{len(keys) - failures} of {len(keys)} parts say the same in both spellings")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
