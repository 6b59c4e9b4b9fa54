#!/usr/bin/env python3
"""Turns the JSON lines collected by compare.sh into one Markdown table (stdout) and one JSON
document. Standard library only.

usage: report.py RESULTS.jsonl OUT.json MODE COMMAND CONCURRENCY
"""
import json
import platform
import subprocess
import sys
from datetime import datetime, timezone


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = "?"
    mem = "?"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(f.readline().split()[1])
            mem = "%.1f GiB RAM" % (kb / 1048576)
    except (OSError, ValueError, IndexError):
        pass

    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
        except (OSError, subprocess.CalledProcessError, IndexError):
            return "?"

    return {
        "cpu": cpu,
        "nproc": nproc,
        "memory": mem,
        "kernel": platform.release(),
        "rustc": ver(["rustc", "--version"]),
        "node": ver(["node", "--version"]),
        "python": platform.python_version(),
    }


def fmt(x, digits=0):
    if x is None:
        return "n/a"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def main():
    src, out, mode, command, conc = sys.argv[1:6]
    rows = [json.loads(line) for line in open(src, encoding="utf-8") if line.strip()]
    # Segmentation runs in alternating rounds (a shared machine's load shifts between them):
    # the best round of each tool counts, the others are kept in "rounds".
    seg = []
    for r in rows:
        if r["section"] != "segmentation":
            continue
        prev = next((x for x in seg if x["tool"] == r["tool"]), None)
        if prev is None:
            seg.append(dict(r, rounds=[r["msgs_per_sec"]]))
        else:
            rounds = prev["rounds"] + [r["msgs_per_sec"]]
            if r["msgs_per_sec"] > prev["msgs_per_sec"]:
                seg[seg.index(prev)] = dict(r, rounds=rounds)
            else:
                prev["rounds"] = rounds
    send = [r for r in rows if r["section"] == "sending"]
    inbound = [r for r in rows if r["section"] == "inbound"]
    goals = []
    lines = []
    m = machine()
    lines.append(f"Machine: {m['cpu']}, {m['nproc']} cores (nproc), {m['memory']}, Linux {m['kernel']}; "
                 f"{m['rustc']}, Node {m['node']}, Python {m['python']}.")
    lines.append(f"Command: `{command}` ({mode} mode, concurrency {conc}, everything on 127.0.0.1, "
                 f"run {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}).")
    lines.append("")

    # 1. Segmentation
    lines.append("**Segmentation** (corpus of %s messages, one thread, best of %s alternating rounds)"
                 % (seg[0]["corpus_messages"] if seg else "?", len(seg[0]["rounds"]) if seg else 0))
    lines.append("")
    lines.append("| Tool | Messages/s | vs bramka | Corpus segments | Unicode messages | Messages counted differently from bramka |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    ours = next((r for r in seg if r["tool"] == "bramka-core"), None)
    others = [r for r in seg if r["tool"] != "bramka-core"]
    for r in seg:
        ratio = "1x" if r is ours else (
            "%sx slower" % fmt(ours["msgs_per_sec"] / r["msgs_per_sec"], 1) if ours else "n/a")
        diff = "n/a"
        if ours and r is not ours and ours.get("segments_per_message") and r.get("segments_per_message"):
            diff = str(sum(1 for a, b in zip(ours["segments_per_message"], r["segments_per_message"]) if a != b))
        elif r is ours:
            diff = "-"
        lines.append(f"| {r['tool']} | {fmt(r['msgs_per_sec'])} | {ratio} | {r['corpus_segments']} | "
                     f"{r['corpus_unicode']} | {diff} |")
    if ours and others:
        fastest = max(others, key=lambda r: r["msgs_per_sec"])
        ratio = ours["msgs_per_sec"] / fastest["msgs_per_sec"]
        goals.append({"goal": "segmentation at least 100x the faster npm package",
                      "value": f"{ratio:.0f}x {fastest['tool']}", "ratio": ratio, "met": ratio >= 100})
    lines.append("")

    # 2. Sending
    lines.append("**Sending** (mock operator APIs on 127.0.0.1, native batching, concurrency %s)" % conc)
    lines.append("")
    lines.append("| Gateway | Client | Recipients | Per request | Messages/s | CPU µs/message | Messages per CPU second | Peak RSS MiB |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in send:
        lines.append(f"| {r['gateway']} | {r['tool']} | {fmt(r['recipients'])} | {r['per_request']} | {fmt(r['msgs_per_sec'])} | "
                     f"{fmt(r['cpu_us_per_msg'], 1)} | {fmt(r['msgs_per_cpu_sec'])} | {fmt(r['peak_rss_mib'], 1)} |")
    lines.append("")
    lines.append("| Gateway | bramka vs SDK: messages/s | bramka vs SDK: messages per CPU second | bramka peak RSS by recipients |")
    lines.append("|---|---:|---:|---|")
    for gw in ("smsapi", "infobip", "twilio"):
        ours = sorted([r for r in send if r["gateway"] == gw and r["tool"].startswith("bramka")], key=lambda r: r["recipients"])
        sdk = [r for r in send if r["gateway"] == gw and not r["tool"].startswith("bramka")]
        if not ours:
            continue
        # Compare with bramka's run closest in size to the SDK's.
        thr = cpu = None
        if sdk:
            s = sdk[0]
            # bramka's 100,000 run (the comparison size), else the one closest in size.
            o = next((r for r in ours if r["recipients"] == 100000), None) or min(
                ours, key=lambda r: abs(r["recipients"] - s["recipients"]))
            thr = o["msgs_per_sec"] / s["msgs_per_sec"]
            cpu = o["msgs_per_cpu_sec"] / s["msgs_per_cpu_sec"]
            goals.append({"goal": f"{gw}: at least 10x the official SDK's messages per CPU second",
                          "value": f"{cpu:.1f}x ({o['tool']} {o['recipients']:,} vs {s['tool']} {s['recipients']:,})",
                          "ratio": cpu, "met": cpu >= 10})
        mem = ", ".join(f"{r['recipients']:,}: {r['peak_rss_mib']:.1f}" for r in ours)
        if len(ours) >= 2:
            # Flat: the largest run needs at most 25% (+2 MiB) more than the next smaller one,
            # although it has 10x the recipients (keeping anything per recipient would grow
            # linearly). The smallest run may not fill the in-flight window (concurrency x
            # recipients per request, 16,000 for Infobip at concurrency 16), so it is shown but
            # not the baseline.
            a, b = ours[-2], ours[-1]
            lo, hi = a["peak_rss_mib"], b["peak_rss_mib"]
            growth = hi / lo if lo else float("inf")
            flat = hi <= lo * 1.25 + 2
            goals.append({"goal": f"{gw}: memory flat from {a['recipients']:,} to {b['recipients']:,} recipients",
                          "value": f"{lo:.1f} -> {hi:.1f} MiB ({growth:.2f}x for {b['recipients'] / a['recipients']:.0f}x the recipients)",
                          "ratio": growth, "met": flat})
        lines.append(f"| {gw} | {fmt(thr, 1) + 'x' if thr else 'n/a'} | {fmt(cpu, 1) + 'x' if cpu else 'n/a'} | {mem} |")
    lines.append("")

    # 3. Inbound
    lines.append("**Inbound** (`bramka-inbound`, one ingestion after another, each one store transaction)")
    lines.append("")
    lines.append("| Store | Poll | Duplicate deliveries | Deliveries | Stored | Ingested/s | CPU µs/message | Peak RSS MiB |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in inbound:
        lines.append(f"| {r['store']} | {'yes' if r['polls'] else 'no'} | {r['dup_pct']}% | {fmt(r['deliveries'])} | {fmt(r['stored'])} | "
                     f"{fmt(r['msgs_per_sec'])} | {fmt(r['cpu_us_per_msg'], 1)} | {fmt(r['peak_rss_mib'], 1)} |")
    lines.append("")

    lines.append("**Goals**")
    lines.append("")
    lines.append("| Goal | Measured | Met |")
    lines.append("|---|---|---|")
    for g in goals:
        lines.append(f"| {g['goal']} | {g['value']} | {'yes' if g['met'] else 'NO'} |")
    notes = sorted({r["note"] for r in rows if r.get("note")})
    if notes:
        lines.append("")
        for n in notes:
            lines.append(f"- {n}")
    text = "\n".join(lines)
    print(text)
    doc = {"mode": mode, "command": command, "concurrency": int(conc), "machine": m,
           "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "segmentation": seg, "sending": send, "inbound": inbound, "goals": goals, "notes": notes,
           "markdown": text}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
