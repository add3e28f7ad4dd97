#!/usr/bin/env python3
"""Summarises the gtest JSON reports of the fault suites (hack/faults.sh, one report per round)
into one row per test: trials, passes, and the figures the tests recorded as properties:
counts (rows missed, errors, retries) summed over trials; durations (*_ms) as the worst; ratios
and rates (*ratio*, *_x100, *_per_s) and settings (*_s) per round with their median and max, since
a ratio summed over rounds means nothing.
   faults_summary.py SUMMARY.json SUMMARY.md REPORT.json..."""
import json
import statistics
import sys


def per_round(key):
    return "ratio" in key or key.endswith(("_x100", "_per_s", "_s"))


def describe(key, fig):
    if not isinstance(fig, dict):
        return f"{key} {fig}"
    rounds = " / ".join(str(v) for v in fig["rounds"])
    return f"{key} median {fig['median']:g}, max {fig['max']} (rounds {rounds})"


def main(json_out, md_out, *report_paths):
    rows = {}
    suites = []
    for path in report_paths:
        try:
            with open(path) as f:
                suites += json.load(f).get("testsuites", [])
        except FileNotFoundError:
            print(f"{path}: missing (the round did not finish)", file=sys.stderr)
    for suite in suites:
        for t in suite.get("testsuite", []):
            name = suite["name"] + "." + t["name"]
            row = rows.setdefault(name, {"test": name, "row": "", "trials": 0, "passes": 0,
                                         "figures": {}})
            row["trials"] += 1
            if not t.get("failures") and t.get("result") == "COMPLETED":
                row["passes"] += 1
            for key, value in t.items():
                if key in ("name", "file", "line", "status", "result", "timestamp", "time",
                           "classname", "failures", "value_param", "type_param"):
                    continue
                if key == "fault_row":
                    row["row"] = value
                    continue
                try:
                    v = int(value)
                except (TypeError, ValueError):
                    continue
                figs = row["figures"]
                if key.endswith("_ms"):
                    figs[key] = max(figs.get(key, v), v)
                elif per_round(key):
                    figs.setdefault(key, {"rounds": []})["rounds"].append(v)
                else:
                    figs[key] = figs.get(key, 0) + v
    for row in rows.values():
        for key, fig in row["figures"].items():
            if isinstance(fig, dict):
                fig["median"] = statistics.median(fig["rounds"])
                fig["max"] = max(fig["rounds"])
    out = sorted(rows.values(), key=lambda r: (r["row"] or "~", r["test"]))
    with open(json_out, "w") as f:
        json.dump({"rows": out}, f, indent=2)
    with open(md_out, "w") as f:
        f.write("| row | test | trials | passed | figures |\n|---|---|---|---|---|\n")
        for r in out:
            figs = ", ".join(describe(k, v) for k, v in sorted(r["figures"].items())) or "-"
            f.write(f"| {r['row'] or '-'} | {r['test']} | {r['trials']} | {r['passes']} | {figs} |\n")
    failed = [r["test"] for r in out if r["passes"] < r["trials"]]
    print(f"{len(out)} fault tests, {sum(r['trials'] for r in out)} trials, "
          f"{len(failed)} with a failed trial" + (": " + ", ".join(failed) if failed else ""))


if __name__ == "__main__":
    main(*sys.argv[1:])
