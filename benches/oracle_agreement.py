#!/usr/bin/env python3
"""Agreement of chainplan's optima with the independent reference model.

The reference model is a separate program, written independently from the
planning model (docs/model.md) with PuLP: its folder (`--tools`) holds
`oracle.py` (the model), `gen.py` (random chains) and `willems.py` (Willems'
chains as documents). This script generates documents with gen.py (every flag
combination, several sizes) and Willems chains with willems.py from the data
folder (`--data`, holding `willems/`), solves each with `chainplan solve` and
with oracle.py, and counts the optima that agree within 1e-6 (relative).
Needs `pip install pulp highspy`.

Usage: benches/oracle_agreement.py --tools DIR --data DIR
                                   [--bin target/release/chainplan] [--seeds N] [--willems 01,02,...]
"""
import argparse, itertools, json, os, subprocess, sys, tempfile, time


def run_chainplan(binary, path):
    out = subprocess.run([binary, "solve", path, "--format", "json", "--gap", "0"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return {"status": f"exit {out.returncode}", "error": out.stderr.strip()[-300:]}
    plan = json.loads(out.stdout)
    return {"status": plan["status"], "objective": plan.get("objective")}


def run_oracle(tools, path):
    out = subprocess.run([sys.executable, os.path.join(tools, "oracle.py"), path],
                         capture_output=True, text=True)
    line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "{}"
    return json.loads(line)


def agree(a, b):
    if a.get("status") != b.get("status"):
        return False
    if a.get("status") != "optimal":
        return True
    x, y = a["objective"], b["objective"]
    return abs(x - y) <= 1e-6 * max(1.0, abs(x), abs(y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tools", required=True, help="the reference model's folder")
    ap.add_argument("--data", required=True, help="the folder holding willems/")
    ap.add_argument("--bin", default="target/release/chainplan")
    ap.add_argument("--seeds", type=int, default=4, help="seeds per flag combination and size")
    ap.add_argument("--willems", default="01,02,03,05,08,10,12")
    a = ap.parse_args()
    flags = ["--setups", "--renovations 2", "--shares", "--carbon"]
    # Sizes at which both solvers prove optimality with a zero gap in seconds
    # to a few minutes; larger setup MILPs take the reference model hours.
    sizes = [("--suppliers 4 --items-per-tier 2 --periods 6 --customers 1", "s"),
             ("--suppliers 6 --items-per-tier 2 --periods 8 --customers 2", "m")]
    cases = []
    for size, label in sizes:
        for k in range(len(flags) + 1):
            for combo in itertools.combinations(flags, k):
                for seed in range(a.seeds if label == "s" else max(1, a.seeds // 2)):
                    args = f"--seed {seed + 100 * k} {size} {' '.join(combo)}".split()
                    cases.append(("gen", args))
    for nn in a.willems.split(","):
        if nn:
            cases.append(("willems", [os.path.join(a.data, "willems"), nn, "--seed", "1"]))
    tmp = tempfile.mkdtemp()
    agreed = 0
    for n, (kind, args) in enumerate(cases):
        path = os.path.join(tmp, f"doc{n}.json")
        script = "gen.py" if kind == "gen" else "willems.py"
        with open(path, "w") as fh:
            subprocess.run([sys.executable, os.path.join(a.tools, script), *args], stdout=fh, check=True)
        t0 = time.perf_counter()
        mine = run_chainplan(a.bin, path)
        t1 = time.perf_counter()
        ref = run_oracle(a.tools, path)
        ok = agree(mine, ref)
        agreed += ok
        row = (kind, " ".join(args), mine.get("status"), mine.get("objective"),
               ref.get("status"), ref.get("objective"), round(t1 - t0, 2), ref.get("solve_s"),
               "agree" if ok else "DISAGREE")
        print("\t".join(str(x) for x in row), flush=True)
        if not ok:
            print(f"DISAGREE {kind} {' '.join(args)}: chainplan {mine} oracle {ref}", flush=True)
    print(f"agreement: {agreed} of {len(cases)} documents within 1e-6 (relative)")
    sys.exit(0 if agreed == len(cases) else 1)


if __name__ == "__main__":
    main()
