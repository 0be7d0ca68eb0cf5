#!/usr/bin/env python3
"""Scaling cases of issue 14: each input doubled must cost at most 2.3x the time.

    python3 bench/scaling.py [--pim target/release/pim] [--runs 3] [--only variants,categories]

Cases, each run on a copy of the demo project (pim.toml, schemas, templates, assets):
- variants: one product with N variants (N and 2N; 2N = 20,000 by default), `pim export --all`;
- categories: a categories.yaml of N categories (N and 2N; N = 40,000 by default, with
  `[limits] max_nodes` raised for 2N), `pim validate --no-cache`.
Prints the median wall time of each size and the ratio; exits 1 when a ratio is above 2.3.
Python 3 standard library only.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT = 2.3


def gtin13(n):
    body = f"{4270000000000 // 10 + n:012d}"[-12:]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def base_project(dest):
    for name in ("pim.toml", "categories.yaml"):
        shutil.copy(os.path.join(REPO, name), dest)
    for name in ("schemas", "templates", "assets"):
        shutil.copytree(os.path.join(REPO, name), os.path.join(dest, name))
    os.makedirs(os.path.join(dest, "catalog"))


def free_sizes(node):
    """Drops the enum of `size`, so that thousands of variants can have distinct axes."""
    if isinstance(node, dict):
        size = node.get("size")
        if isinstance(size, dict):
            size.pop("enum", None)
        for value in node.values():
            free_sizes(value)
    elif isinstance(node, list):
        for value in node:
            free_sizes(value)


def variants_project(dest, n):
    base_project(dest)
    schema_path = os.path.join(dest, "schemas", "families", "apparel.schema.json")
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    free_sizes(schema)
    with open(schema_path, "w", encoding="utf-8") as f:
        json.dump(schema, f, indent=2)
    with open(os.path.join(REPO, "catalog", "fleece", "NW-FLC-1201.yaml"), encoding="utf-8") as f:
        head = f.read().split("variants:")[0]
    lines = [head.replace("NW-FLC-1201", "NW-BIG-0001"), "variants:\n"]
    for i in range(n):
        lines.append(
            f"  - sku: NW-BIG-0001-{i:06d}\n    color: orange\n    size: \"{i}\"\n"
            f"    gtin: \"{gtin13(i)}\"\n"
        )
    os.makedirs(os.path.join(dest, "catalog", "big"))
    with open(os.path.join(dest, "catalog", "big", "NW-BIG-0001.yaml"), "w", encoding="utf-8") as f:
        f.write("".join(lines))
    return ["export", "--all"]


def categories_project(dest, n):
    base_project(dest)
    # The demo tree, then n more: groups of 100 leaves under n/100 parents.
    with open(os.path.join(REPO, "categories.yaml"), encoding="utf-8") as f:
        out = [f.read().rstrip("\n") + "\n"]
    groups = max(1, n // 100)
    for g in range(groups):
        out.append(f"group-{g}:\n  name: {{en-US: Group {g}}}\n  children:\n")
        for c in range(n // groups - 1):
            out.append(f"    cat-{g}-{c}:\n      name: Category {g} {c}\n")
    with open(os.path.join(dest, "categories.yaml"), "w", encoding="utf-8") as f:
        f.write("".join(out))
    shutil.copytree(os.path.join(REPO, "catalog"), os.path.join(dest, "catalog"), dirs_exist_ok=True)
    # 80,000 categories are more nodes than the default `max_nodes` allows.
    with open(os.path.join(dest, "pim.toml"), "a", encoding="utf-8") as f:
        f.write("\n[limits]\nmax_nodes = 2000000\n")
    return ["validate", "--no-cache"]


CASES = {
    "variants": (variants_project, 10000),
    "categories": (categories_project, 40000),
}


def run(pim, args, cwd):
    start = time.perf_counter()
    proc = subprocess.run([pim] + args, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"pim {' '.join(args)} failed in {cwd} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pim", default=os.path.join(REPO, "target", "release", "pim"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default=",".join(CASES))
    ap.add_argument("--size", type=int, help="N for every case (2N is run too)")
    opts = ap.parse_args()
    pim = os.path.abspath(opts.pim)
    worst = 0.0
    print("| case | N | time N (s) | time 2N (s) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name in opts.only.split(","):
        make, default = CASES[name]
        n = opts.size or default
        times = []
        for size in (n, 2 * n):
            with tempfile.TemporaryDirectory(prefix=f"pim-scale-{name}-") as dest:
                args = make(dest, size)
                times.append(statistics.median(run(pim, args, dest) for _ in range(opts.runs)))
        ratio = times[1] / times[0] if times[0] > 0 else 0.0
        worst = max(worst, ratio)
        print(f"| {name} | {n} | {times[0]:.3f} | {times[1]:.3f} | {ratio:.2f} |", flush=True)
    sys.exit(1 if worst > LIMIT else 0)


if __name__ == "__main__":
    main()
