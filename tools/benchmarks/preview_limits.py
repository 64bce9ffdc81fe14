#!/usr/bin/python3
"""Issue 18's bound on template work, measured: previews of hostile templates through the real
stack (./tools/run: PostgreSQL, the platform simulator, notification-server), each template
several times in a row, timing every call and reading the server's peak memory (VmHWM) before and
after. Goals: every preview answers within 1 s, and no sequence of them takes the server above
200 MiB. Prints a table and ends with "RESULT worst_preview_ms X" and "RESULT server_hwm_mib Y".

Usage: tools/benchmarks/preview_limits.py [BUILD_DIR (default build)] [ROUNDS (default 5)]"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from stack import Stack  # noqa: E402

# A 60 KiB string in the event's data: what `split` and loops get to work on.
BIG = "ab " * 20000
HOSTILE = [
    ("liquid", "doubling a string by append",
     '{% assign s = "0123456789" %}{% for i in (1..64) %}{% assign s = s | append: s %}'
     '{% endfor %}{{ s | size }}'),
    ("liquid", "split into characters, walked squared",
     '{% assign cs = big | split: "" %}{% for a in cs %}{% for b in cs %}{{ b }}{% endfor %}'
     '{% endfor %}'),
    ("liquid", "a range of a billion",
     '{% for i in (1..1000000000) %}{{ i }}{% endfor %}'),
    ("liquid", "nested ranges, no output",
     '{% for a in (1..100000) %}{% for b in (1..100000) %}{% endfor %}{% endfor %}'),
    ("django", "nested loops over a split string",
     '{% for a in big|make_list %}{% for b in big|make_list %}{{ b }}{% endfor %}{% endfor %}'),
    ("django", "a filter chain that grows the text",
     '{{ big|linebreaks|urlize|linebreaks|urlize|force_escape|force_escape|force_escape }}'),
    ("django", "ljust to a billion",
     '{{ big|ljust:"1000000000" }}'),
    ("django", "widthratio and cycles in a long loop",
     '{% for a in big|make_list %}{% cycle "x" "y" as c %}{% widthratio 1 1 1000000 %}'
     '{% endfor %}'),
]


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def parent_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def server_pid(stack):
    # The server this stack's ./tools/run started: a descendant of that process, whatever other
    # stacks run on the machine.
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                program = f.read().split(b"\0")[0]
            if not program.endswith(b"notification-server"):
                continue
            ancestor = int(pid)
            while ancestor > 1 and ancestor != stack.process.pid:
                ancestor = parent_of(ancestor)
        except OSError:
            continue
        if ancestor == stack.process.pid:
            return int(pid)
    raise RuntimeError("no notification-server process under this stack's ./tools/run")


def main():
    build_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    notifyctl = os.path.join(build_dir, "tools", "notifyctl", "notifyctl")
    with Stack(build_dir) as stack, tempfile.TemporaryDirectory() as tmp:
        pid = server_pid(stack)
        activate = urllib.request.Request(
            f"{stack.gateway}/api/activate/", method="POST",
            data=json.dumps({"token": stack.admin_token}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(activate, timeout=15) as answer:
            assert answer.status == 200, answer.status
        data_path = os.path.join(tmp, "data.json")
        with open(data_path, "w") as f:
            json.dump({"big": BIG}, f)
        before = vm_hwm_kib(pid)
        worst = 0.0
        print("| syntax | template | answers | slowest of %d |" % rounds)
        print("| --- | --- | --- | --- |")
        for syntax, what, template in HOSTILE:
            path = os.path.join(tmp, "n.json")
            with open(path, "w") as f:
                json.dump({"type": "NOTIFICATION_TYPE_SMS", "name": "hostile",
                           "event": "user.create",
                           "syntax": "TEMPLATE_SYNTAX_" + syntax.upper(),
                           "sms_message": template}, f)
            answers, slowest = set(), 0.0
            for _ in range(rounds):
                start = time.monotonic()
                done = subprocess.run([notifyctl, f"--target={stack.server}",
                                       f"--token={stack.admin_token}", "--json", "preview",
                                       f"--file={path}", f"--data={data_path}"],
                                      capture_output=True, text=True)
                slowest = max(slowest, time.monotonic() - start)
                text = (done.stdout + done.stderr).strip().splitlines()
                answers.add("ok" if done.returncode == 0 else (text[0][:90] if text else "?"))
            worst = max(worst, slowest)
            print(f"| {syntax} | {what} | {'; '.join(sorted(answers))} | "
                  f"{slowest * 1000:.0f} ms |")
        after = vm_hwm_kib(pid)
        print()
        print(f"server VmHWM: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after")
        print(f"RESULT worst_preview_ms {worst * 1000:.0f}")
        print(f"RESULT server_hwm_mib {after / 1024:.1f}")


if __name__ == "__main__":
    main()
