#!/usr/bin/python3
"""Turns ./tools/bench's results (JSON files, one per measurement or round) into the Markdown report.

Usage: report.py RESULTS_DIR > report.md

A comparison's rounds are NAME.r1.json, NAME.r2.json, ...; the median round counts. The report ends
with one machine-readable line per comparison: RATIO <name> <ours / baseline>.
"""

import glob
import json
import os
import re
import statistics
import sys


def load(results, name):
    with open(os.path.join(results, name + ".json")) as f:
        return json.load(f)


def rounds(results, name):
    """The rounds of a measurement in order, or NAME.json alone."""
    pattern = re.compile(re.escape(name) + r"\.r(\d+)\.json$")
    found = []
    for path in glob.glob(os.path.join(results, glob.escape(name) + ".r*.json")):
        m = pattern.search(os.path.basename(path))
        if m:
            found.append((int(m.group(1)), path))
    paths = [p for _, p in sorted(found)] or [os.path.join(results, name + ".json")]
    out = []
    for path in paths:
        with open(path) as f:
            out.append(json.load(f))
    return out


def combine(results, name, rate_key):
    """One measurement from its rounds: the median of each number, errors summed."""
    rs = rounds(results, name)
    combined = {
        "rate": statistics.median(r[rate_key] or 0 for r in rs),
        "rates": [r[rate_key] or 0 for r in rs],
        "errors": sum(r.get("errors", 0) for r in rs),
        "first_error": next((r["first_error"] for r in rs if r.get("first_error")), ""),
    }
    for key in ("p50_ms", "p99_ms", "latency_avg_ms"):
        if key in rs[0]:
            combined[key] = statistics.median(r[key] for r in rs)
    return combined


def cpu(results, name):
    """Mean busy percent of the SUT and load CPUs over a measurement's rounds, or "?"."""
    paths = glob.glob(os.path.join(results, glob.escape(name) + ".r*.cpu.json"))
    paths = paths or glob.glob(os.path.join(results, glob.escape(name) + ".cpu.json"))
    if not paths:
        return "?"
    cs = []
    for path in paths:
        with open(path) as f:
            cs.append(json.load(f))
    return (f"{statistics.mean(c['sut_busy'] for c in cs):.0f}/"
            f"{statistics.mean(c['load_busy'] for c in cs):.0f}")


def cpu_per_request(results, name, rate_key):
    """CPU microseconds per request of each process that took a share, over a measurement's
    rounds, as "server 120, postgres 80 (total 200)"; requests are the rate times the wall time."""
    per_round = rounds(results, name)
    paths = sorted(glob.glob(os.path.join(results, glob.escape(name) + ".r*.cpu.json")))
    paths = paths or [os.path.join(results, name + ".cpu.json")]
    requests, seconds = 0.0, {}
    for round_result, path in zip(per_round, paths):
        if not os.path.exists(path):
            return ""
        with open(path) as f:
            c = json.load(f)
        # A drain round counts what it sent: its CPU includes the server's start and warm-up,
        # which its rate leaves out.
        requests += round_result["sent"] if "sent" in round_result else (
            (round_result[rate_key] or 0) * c["wall_seconds"])
        for proc, used in c["cpu_seconds"].items():
            seconds[proc] = seconds.get(proc, 0) + used
    if not requests:
        return ""
    us = {proc: used / requests * 1e6 for proc, used in seconds.items()}
    shown = sorted(((v, k) for k, v in us.items() if v >= 1), reverse=True)
    parts = ", ".join(f"{k} {v:,.0f}" for v, k in shown)
    return f"{parts} (total {sum(v for v, _ in shown):,.0f})"


def requests_made(results, name, rate_key):
    """Requests of a measurement over all its rounds, warm-ups included: the rate times the wall
    time of each round."""
    total = 0.0
    for i, round_result in enumerate(rounds(results, name), start=1):
        path = os.path.join(results, f"{name}.r{i}.cpu.json")
        if not os.path.exists(path):
            path = os.path.join(results, name + ".cpu.json")
        if not os.path.exists(path):
            return 0.0
        with open(path) as f:
            total += (round_result[rate_key] or 0) * json.load(f)["wall_seconds"]
    return total


def statements(results, name, requests, what, label=None):
    """Lines on the statements PostgreSQL ran for the programs during a measurement (shown as
    `label`, by default its name)."""
    path = os.path.join(results, name + ".statements.json")
    if not os.path.exists(path) or not requests:
        return []
    with open(path) as f:
        st = json.load(f)
    lines = [f"- {label or f'`{name}`'}: {st['calls'] / requests:.1f} statements per {what}; "
             f"the longest in total (calls, mean ms, statement):"]
    for t in st["top"][:4]:
        query = t["query"] if len(t["query"]) <= 100 else t["query"][:97] + "..."
        lines.append(f"  - {t['calls']:,} x {t['mean_ms']} ms: `{query}`")
    return lines


def rate(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def ms(value):
    return "—" if value is None else f"{value:.2f} ms"


def main():
    results = sys.argv[1]
    meta = load(results, "meta")
    keys = {"grpc_ours": "qps", "grpc_echo": "qps", "auth_ours": "qps", "auth_none": "qps",
            "rest_ours": "rps", "rest_grpc": "qps", "ingest_ours": "rps", "ingest_pgbench": "tps", "gateway_ours": "rps",
            "gateway_bare": "rps", "drain": "rate", "render_ours": "rate",
            "render_liquidjs": "rate"}
    r = {name: combine(results, name, key) for name, key in keys.items()}
    half = load(results, "ingest_half")
    mem = load(results, "memory")
    # The drain's rounds; the median one for its details and statements.
    drain_rounds = rounds(results, "drain")
    drain_median = sorted(range(len(drain_rounds)),
                          key=lambda i: drain_rounds[i]["rate"])[len(drain_rounds) // 2]
    drain = drain_rounds[drain_median]
    drain_kib = max(d["server_kib"] for d in drain_rounds)
    preload_rps = statistics.median(d["rps"] for d in rounds(results, "preload"))
    idle = load(results, "idle_before.cpu")

    # name, ours, baseline, unit, whether ours has latencies
    rows = [
        ("grpc_vs_echo", "grpc_ours", "grpc_echo", "calls/s", True),
        ("auth_cached_vs_none", "auth_ours", "auth_none", "calls/s", True),
        ("rest_vs_grpc", "rest_ours", "rest_grpc", "lists/s", True),
        ("ingest_vs_pgbench", "ingest_ours", "ingest_pgbench", "events/s", True),
        ("gateway_vs_bare_http", "gateway_ours", "gateway_bare", "requests/s", True),
        ("drain_vs_ingest", "drain", "ingest_ours", "deliveries/s vs events/s", False),
        ("render_vs_liquidjs", "render_ours", "render_liquidjs", "notifications/s", False),
    ]
    ratios = {name: (r[o]["rate"] / r[b]["rate"] if r[b]["rate"] else 0.0)
              for name, o, b, *_ in rows}

    out = []
    p = out.append
    p(f"# Benchmark report ({meta['mode']}, commit {meta['commit']})")
    p("")
    p(f"System under test on CPU {meta['sut_cpus']}, load generators and peers on CPU "
      f"{meta['load_cpus']} ({meta['nproc']} CPUs). Ours and its baseline alternate for "
      f"{meta['rounds']} rounds of {meta['round_seconds']} s (after {meta['warmup']} of warm-up "
      f"each); the median round counts. PostgreSQL with fsync and synchronous_commit on. gRPC: "
      f"{meta['grpc_channels']} channels x {meta['grpc_in_flight']} calls in flight, "
      f"--max-threads={meta['max_threads']}; HTTP and pgbench: {meta['http_connections']} "
      f"connections; gateway and bare HTTP server: {meta['gateway_threads']} threads.")
    if max(idle["sut_busy"], idle["load_busy"]) > 10:
        p("")
        p(f"**Warning: before the run, with nothing of ours running, the CPUs were "
          f"{idle['sut_busy']}% (SUT) and {idle['load_busy']}% (load) busy: other work on the "
          f"machine skews these numbers.**")
    p("")
    p("| name | ours | baseline | ratio | ours p50 | ours p99 | unit | CPU busy % SUT/load "
      "(ours; baseline) | notes |")
    p("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    invalid = []
    for name, o, b, unit, has_latency in rows:
        ours, base = r[o], r[b]
        notes = []
        for m in (o, b):
            if r[m]["errors"]:
                notes.append(f"INVALID: {m} had {r[m]['errors']} errors")
                invalid.append(f"{name}: {m} had {r[m]['errors']} errors "
                               f"(first: {r[m]['first_error'] or 'see the logs'})")
        if name == "drain_vs_ingest":
            per_round = ", ".join(f"{x:,.0f}" for x in ours["rates"])
            notes.append(f"deliveries/s per round {per_round}; median round: {drain['sent']} of "
                         f"{drain['events']} sent, the {drain['measured']} after the first "
                         f"{drain['warmup']} (warm-up) in {drain['seconds']:.2f} s, queue depth at "
                         f"the end {drain['queue_depth']}")
        elif len(ours["rates"]) > 1 and len(ours["rates"]) == len(base["rates"]):
            per_round = ", ".join(f"{x / y:.2f}" if y else "—"
                                  for x, y in zip(ours["rates"], base["rates"]))
            notes.append(f"ratio per round {per_round}")
        if name == "ingest_vs_pgbench":
            notes.append(f"pgbench latency average {ms(base.get('latency_avg_ms'))}")
        lat50 = ms(ours["p50_ms"]) if has_latency else "—"
        lat99 = ms(ours["p99_ms"]) if has_latency else "—"
        p(f"| `{name}` | {rate(ours['rate'])} | {rate(base['rate'])} | {ratios[name]:.2f} | "
          f"{lat50} | {lat99} | {unit} | {cpu(results, o)}; {cpu(results, b)} | "
          f"{'; '.join(notes)} |")
    p("")

    def mib(kib):
        return kib / 1024.0

    p(f"- Ingest at half its maximum rate (open loop, {half['target_rate']:,.0f}/s scheduled for "
      f"{half['seconds']:.0f} s): {rate(half['rps'])}/s answered, p50 {ms(half['p50_ms'])}, "
      f"p99 {ms(half['p99_ms'])}, {half['unsent']} not sent in time, {half['errors']} errors.")
    p(f"- Peak memory (VmHWM) after the load runs: server {mib(mem['server_kib']):.1f} MiB, "
      f"gateway {mib(mem['gateway_kib']):.1f} MiB; delivering server "
      f"{mib(drain_kib):.1f} MiB.")
    p(f"- Drain, {len(drain_rounds)} rounds: each preloads {drain['events']} events through the "
      f"gateway (median {rate(preload_rps)}/s), then starts a server with "
      f"{meta['event_workers']} event workers and {meta['sms_senders']} SMS senders that "
      f"delivers them to a no-op Twilio peer; "
      f"{sum(d['dead_or_skipped'] for d in drain_rounds)} dead or skipped, queue depth at the end "
      f"{max(d['queue_depth'] for d in drain_rounds)}. No per-delivery latency: a backlog's is "
      f"only its queueing time.")
    p("- CPU microseconds per request (per delivery for the drain, its server's start "
      "included) by process, from /proc/PID/stat (PostgreSQL: every backend; the load clients are "
      "not counted):")
    for name, key in (("grpc_ours", "qps"), ("grpc_echo", "qps"), ("auth_none", "qps"),
                      ("rest_ours", "rps"), ("rest_grpc", "qps"), ("ingest_ours", "rps"), ("ingest_pgbench", "tps"),
                      ("gateway_ours", "rps"), ("gateway_bare", "rps"), ("drain", "rate")):
        p(f"  - `{name}`: {cpu_per_request(results, name, key) or 'unknown'}")
    p("- PostgreSQL statements (pg_stat_statements; BEGIN and COMMIT count, the bench's own "
      "queries do not):")
    for name, key, what in (("grpc_ours", "qps", "call"), ("ingest_ours", "rps", "event"),
                            ("ingest_pgbench", "tps", "insert")):
        for line in statements(results, name, requests_made(results, name, key), what):
            p("  " + line)
    for line in statements(results, f"drain.r{drain_median + 1}", drain["sent"], "delivery",
                           "`drain` (its median round)"):
        p("  " + line)
    if invalid:
        p("")
        p("**Measurements with errors; their ratios are not valid:**")
        for line in invalid:
            p(f"- {line}")
    p("")

    goals = [
        ("grpc_vs_echo >= 0.5", ratios["grpc_vs_echo"], 0.5, True),
        ("auth_cached_vs_none >= 0.9", ratios["auth_cached_vs_none"], 0.9, True),
        ("rest_vs_grpc >= 0.5", ratios["rest_vs_grpc"], 0.5, True),
        ("ingest_vs_pgbench >= 0.5", ratios["ingest_vs_pgbench"], 0.5, True),
        ("ingest p99 at half the max rate < 20 ms", half["p99_ms"], 20.0, False),
        ("gateway_vs_bare_http >= 0.4", ratios["gateway_vs_bare_http"], 0.4, True),
        ("drain_vs_ingest >= 1.0", ratios["drain_vs_ingest"], 1.0, True),
        ("render_vs_liquidjs >= 3", ratios["render_vs_liquidjs"], 3.0, True),
        ("server RSS < 200 MiB at max rate (MiB)", mib(mem["server_kib"]), 200.0, False),
    ]
    p("## Goals (reported, not asserted)")
    p("")
    for text, value, bound, at_least in goals:
        met = value >= bound if at_least else value < bound
        if met:
            p(f"- {text}: {value:.2f} — met")
        else:
            short = (bound - value) / bound if at_least else (value - bound) / bound
            p(f"- {text}: {value:.2f} — missed (by {short:.0%})")
    p("")
    for name, *_ in rows:
        p(f"RATIO {name} {ratios[name]:.3f}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
