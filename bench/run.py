#!/usr/bin/env python3
"""Benchmark pim against reference loops and the tools users would otherwise pick (issue 5).

    python3 bench/run.py [--sizes 10000,100000] [--runs 5] [--only pim,ref,ajv,check-jsonschema]
                         [--skip-tools] [--cache /tmp/pim-bench] [--seed 7]

For each size it generates (or reuses, under the cache folder) a project with
bench/gen_catalog.py, builds pim and the `reference` bench target in release, then runs every
command N times, round-robin, and reports the median wall time, CPU time (user + sys of the
child and its children) and peak RSS (ru_maxrss, through GNU time when installed) in a
Markdown table, printed and written to
bench/results.md, with the ratios the issue sets targets for. Python 3 standard library only.
"""
import argparse
import datetime
import glob
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(HERE, "gen_catalog.py")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# building and generating

def cargo_executables(args, release=True):
    """Runs a cargo build and returns the executables it produced, by target name."""
    cmd = ["cargo"] + args + (["--release"] if release else []) + ["--message-format=json-render-diagnostics"]
    log("$ " + " ".join(cmd))
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"cargo failed (exit {proc.returncode}): {' '.join(cmd)}")
    out = {}
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            out[msg["target"]["name"]] = msg["executable"]
    return out


def build(need_ref):
    pim = cargo_executables(["build", "--bin", "pim"]).get("pim")
    ref = None
    if need_ref:
        ref = cargo_executables(["bench", "--bench", "reference", "--no-run"], release=False).get("reference")
    if not pim or (need_ref and not ref):
        sys.exit("cargo did not report the pim / reference executables")
    return pim, ref


def gen_digest():
    with open(GEN, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:10]


def project(cache, size, seed):
    """The generated project for a size, made once and kept in the cache."""
    path = os.path.join(cache, f"gen-{size}-seed{seed}-{gen_digest()}")
    if os.path.exists(os.path.join(path, "pim.toml")) and os.path.exists(path + ".done"):
        return path
    shutil.rmtree(path, ignore_errors=True)
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    log(f"generating {size} products in {path} (kept for the next runs) ...")
    t = time.perf_counter()
    subprocess.run([sys.executable, GEN, "--products", str(size), "--out", tmp, "--seed", str(seed)],
                   check=True, stdout=sys.stderr)
    os.rename(tmp, path)
    open(path + ".done", "w").close()
    log(f"  generated in {time.perf_counter() - t:.0f} s")
    return path


def warm_cache(pim, path):
    """Runs `pim validate` once, untimed, so the cache holds the catalog as it is."""
    subprocess.run([pim, "-C", path, "validate"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def toggle_one_file(path):
    """Edits one product file: a comment line at its end comes and goes."""
    target = os.path.join(path, catalog_files(path)[0])
    with open(target, "r", encoding="utf-8") as f:
        text = f.read()
    mark = "# edited by bench/run.py\n"
    text = text[: -len(mark)] if text.endswith(mark) else text + mark
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


DIFF_CHANGES = 100


def git_history(path):
    """Makes the project a git repository (once) with two commits, the last changing the
    English name of DIFF_CHANGES products spread over the catalog: what `pim diff` compares."""
    done = path + ".git.done"
    if os.path.exists(done) and os.path.isdir(os.path.join(path, ".git")):
        return
    log(f"committing {path} twice for the diff benchmark (kept for the next runs) ...")
    shutil.rmtree(os.path.join(path, ".git"), ignore_errors=True)
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    git = lambda *a: subprocess.run(["git", "-C", path, *a], check=True, env=env,
                                    stdout=subprocess.DEVNULL)
    with open(os.path.join(path, ".gitignore"), "w") as f:
        f.write(".pim/\ndist/\n")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "generated catalog")
    files = catalog_files(path)
    step = max(1, len(files) // DIFF_CHANGES)
    for rel in files[step // 2::step][:DIFF_CHANGES]:
        full = os.path.join(path, rel)
        with open(full, encoding="utf-8") as f:
            text = f.read()
        text = text.replace('  en-US: "', '  en-US: "New ', 1)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    git("commit", "-q", "-a", "-m", f"rename {DIFF_CHANGES} products")
    open(done, "w").close()


def catalog_files(path):
    files = glob.glob("catalog/**/*.yaml", root_dir=path, recursive=True)
    files += glob.glob("catalog/**/*.yml", root_dir=path, recursive=True)
    return sorted(files)


# ---------------------------------------------------------------------------------------
# tools

def find_ajv():
    """ajv-cli on PATH, else through npx without installing anything; None if absent."""
    if shutil.which("ajv"):
        return [shutil.which("ajv")]
    if shutil.which("npx"):
        probe = subprocess.run(["npx", "--no-install", "ajv", "help"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=120)
        if probe.returncode == 0:
            return ["npx", "--no-install", "ajv"]
    return None


def ajv_has_formats(ajv):
    """Whether `-c ajv-formats` resolves (ajv-formats installed next to ajv-cli)."""
    probe = subprocess.run(ajv + ["compile", "--spec=draft2020", "--strict=false", "-c", "ajv-formats",
                                  "-s", os.devnull], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=120)
    return "ajv-formats" not in probe.stderr


def find_check_jsonschema():
    exe = shutil.which("check-jsonschema")
    return [exe] if exe else None


# ---------------------------------------------------------------------------------------
# measuring

class Result:
    def __init__(self, size, name):
        self.size, self.name = size, name
        self.wall, self.cpu, self.rss = [], [], []
        self.failures = []  # (exit code, tail of output)
        self.note = ""

    def median(self, attr):
        values = getattr(self, attr)
        return statistics.median(values) if values else None


GNU_TIME = "/usr/bin/time"


def run_once(cmd, cwd, timeout):
    """Runs cmd; returns (wall s, cpu s, peak rss bytes, exit code, output tail).

    CPU time is user + sys from os.wait4 (the child and the children it waited for). Peak RSS
    is ru_maxrss; Linux carries a process's high-water mark across fork and exec, so a child
    forked from this Python process never reads below Python's own RSS (~20 MB). Where GNU
    time is installed, the command is started through it and its %M (taken by a small
    process) is used instead.
    """
    out_path = os.path.join(BENCH_TMP, "out.txt")
    rss_path = os.path.join(BENCH_TMP, "rss.txt")
    use_time = os.access(GNU_TIME, os.X_OK)
    full = [GNU_TIME, "-q", "-f", "%M", "-o", rss_path] + cmd if use_time else cmd
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = t0 + timeout
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
    rss = ru.ru_maxrss * 1024
    if use_time:
        try:
            with open(rss_path) as f:
                rss = int(f.read().split()[-1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
    with open(out_path, "rb") as f:
        tail = f.read()[-2000:].decode("utf-8", "replace")
    if use_time and tail.startswith("Command exited with non-zero status"):
        tail = tail.split("\n", 1)[-1]
    return wall, ru.ru_utime + ru.ru_stime, rss, code, tail


def measure(results, spec, timeout):
    name, size, cmd, cwd, before, ok_codes = spec
    r = results[(size, name)]
    if before:
        before()
    wall, cpu, rss, code, tail = run_once(cmd, cwd, timeout)
    if code in ok_codes:
        r.wall.append(wall)
        r.cpu.append(cpu)
        r.rss.append(rss)
    else:
        r.failures.append((code, tail))
        log(f"  {name} @ {size}: exit {code}\n    " + "\n    ".join(tail.strip().splitlines()[-5:]))
    log(f"  {name:<22} {fmt_n(size):>7}: {wall:7.3f} s wall, {cpu:7.3f} s cpu, {rss / 2**20:7.1f} MB, exit {code}")


# ---------------------------------------------------------------------------------------
# report

def busy_cpu_seconds():
    """CPU time the whole machine spent busy since boot (Linux /proc/stat), in seconds."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def fmt_n(size):
    return f"{size:,}" if isinstance(size, int) else str(size)


def fmt_s(v):
    return "–" if v is None else (f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s")


def fmt_mb(v):
    return "–" if v is None else f"{v / 2**20:.0f} MB"


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 2**20:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}"


def git_rev():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                             text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def report(results, sizes, args, argv, info, loads):
    lines = ["# pim benchmark", ""]
    lines.append(f"- Machine: {machine()}")
    other, span = loads
    share = other / (span * (os.cpu_count() or 1)) if span else 0
    lines.append(f"- Other processes used {other:.0f} CPU-s during the {span:.0f} s of runs "
                 f"({share:.0%} of the machine)"
                 + (" — **wall times are noisy: compare CPU times**" if share > 0.05 else ""))
    lines.append(f"- pim: {git_rev()}; {datetime.date.today().isoformat()}")
    lines.append(f"- Projects: `bench/gen_catalog.py --seed {args.seed}` ({info}); "
                 f"medians of {args.runs} runs (check-jsonschema: {args.slow_runs})")
    lines.append(f"- Command: `python3 bench/run.py {' '.join(argv)}`".rstrip())
    lines.append("")
    lines.append("| products | command | wall (median) | CPU user+sys | peak RSS | runs | note |")
    lines.append("|---:|---|---:|---:|---:|---:|---|")
    for (size, name), r in results.items():
        note = r.note
        if r.failures:
            code, tail = r.failures[0]
            last = (tail.strip().splitlines() or [""])[-1][:120].replace("|", "\\|")
            note = (note + "; " if note else "") + f"{len(r.failures)} failed (exit {code}): {last}"
        lines.append(f"| {fmt_n(size)} | {name} | {fmt_s(r.median('wall'))} | {fmt_s(r.median('cpu'))} | "
                     f"{fmt_mb(r.median('rss'))} | {len(r.wall)} | {note} |")

    def wall(size, name):
        r = results.get((size, name))
        return r.median("wall") if r else None

    def rss(size, name):
        r = results.get((size, name))
        return r.median("rss") if r else None

    ratios = []

    def cpu(size, name):
        r = results.get((size, name))
        return r.median("cpu") if r else None

    def ratio(label, num, den, target, higher_is_better=False, cpu_pair=None):
        if num is None or den is None or den == 0:
            return
        v = num / den
        ok = v >= target if higher_is_better else v <= target
        sign = "≥" if higher_is_better else "≤"
        c = "–"
        if cpu_pair and cpu_pair[0] and cpu_pair[1]:
            c = f"{cpu_pair[0] / cpu_pair[1]:.2f}×"
        ratios.append(f"| {label} | {v:.2f}× | {c} | {sign} {target}× | {'yes' if ok else '**no**'} |")

    def absolute(label, value, limit, unit):
        if value is None:
            return
        shown = fmt_mb(value) if unit == "MB" else fmt_s(value)
        limit_shown = fmt_mb(limit) if unit == "MB" else fmt_s(limit)
        ratios.append(f"| {label} | {shown} | – | < {limit_shown} | {'yes' if value < limit else '**no**'} |")

    for size in sizes:
        n = f"{size:,}"
        for a, b, target, higher in (("ajv-cli", "pim validate", 3, True),
                                     ("check-jsonschema", "pim validate", 3, True),
                                     ("pim validate", "bare validate", 1.3, False),
                                     ("pim validate --channel all", "pim validate", 1.3, False),
                                     ("pim export --all", "bare render", 2, False)):
            ratio(f"{n}: {a} ÷ {b}", wall(size, a), wall(size, b), target, higher,
                  (cpu(size, a), cpu(size, b)))
    big = max(sizes)
    if big >= 100000:
        absolute(f"{big:,}: pim validate", wall(big, "pim validate"), 10, "s")
        absolute(f"{big:,}: pim export --all", wall(big, "pim export --all"), 20, "s")
        for name in ("pim validate", "pim export --all"):
            absolute(f"{big:,}: {name} peak RSS", rss(big, name), 2**30, "MB")
        # Issue 14: the second run costs what changed.
        for name, limit in (("pim validate (cache warm)", 0.25), ("pim validate (one file changed)", 0.3)):
            absolute(f"{big:,}: {name}", wall(big, name), limit, "s")
            absolute(f"{big:,}: {name} peak RSS", rss(big, name), 300 * 2**20, "MB")
        for name in ("pim diff HEAD~1 HEAD", "pim diff HEAD~1"):
            absolute(f"{big:,}: {name} ({DIFF_CHANGES} products changed)", wall(big, name), 2, "s")
    small = min(sizes)
    if big > small:
        factor = big / small
        for name in ("pim validate", "pim export --all"):
            ratio(f"{name}: {big:,} ÷ {small:,} ({factor:g}× the products)", wall(big, name),
                  wall(small, name), round(factor * 1.1, 2), cpu_pair=(cpu(big, name), cpu(small, name)))
    absolute("demo project: pim validate", wall("demo", "pim validate"), 0.1, "s")
    if ratios:
        lines += ["", "| ratio / target | wall | CPU | target (wall) | met |", "|---|---:|---:|---:|---|"] + ratios
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------

BENCH_TMP = None


def main():
    global BENCH_TMP
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="product counts, comma-separated")
    ap.add_argument("--runs", type=int, default=5, help="runs per command (median reported)")
    ap.add_argument("--slow-runs", type=int, default=1,
                    help="runs of check-jsonschema, which takes minutes at 10k products (default 1)")
    ap.add_argument("--only", default="",
                    help="comma-separated groups to run: pim, ref (bare loops), ajv, check-jsonschema")
    ap.add_argument("--skip-tools", action="store_true", help="do not run ajv-cli or check-jsonschema")
    ap.add_argument("--no-demo", action="store_true", help="do not time `pim validate` on the demo project")
    ap.add_argument("--cache", default=os.path.join("/tmp", "pim-bench"), help="where generated projects are kept")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds before a run is killed")
    ap.add_argument("--pim", help="use this pim binary instead of building one")
    ap.add_argument("--output", default=os.path.join(HERE, "results.md"), help="the Markdown report")
    args = ap.parse_args()
    argv = sys.argv[1:]

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    groups = {"pim", "ref", "ajv", "check-jsonschema"}
    only = {g.strip() for g in args.only.split(",") if g.strip()} or set(groups)
    if only - groups:
        ap.error(f"--only takes {', '.join(sorted(groups))}")
    if args.skip_tools:
        only -= {"ajv", "check-jsonschema"}
    os.makedirs(args.cache, exist_ok=True)
    BENCH_TMP = os.path.join(args.cache, "tmp")
    os.makedirs(BENCH_TMP, exist_ok=True)

    pim, ref = build("ref" in only) if not args.pim else (os.path.abspath(args.pim), None)
    if args.pim and "ref" in only:
        ref = build(True)[1]
    log(f"pim: {pim}\nreference: {ref}")

    ajv = find_ajv() if "ajv" in only else None
    cjs = find_check_jsonschema() if "check-jsonschema" in only else None
    if "ajv" in only and not ajv:
        log("ajv-cli is not installed (npm install -g ajv-cli ajv-formats): skipped")
    if "check-jsonschema" in only and not cjs:
        log("check-jsonschema is not installed (pip install check-jsonschema): skipped")
    ajv_formats = bool(ajv) and ajv_has_formats(ajv)

    out_dir = os.path.join(BENCH_TMP, "dist")

    def clear_out():
        shutil.rmtree(out_dir, ignore_errors=True)

    results, specs, infos = {}, [], []

    def add(name, size, cmd, cwd, before=None, ok_codes=(0,), runs=args.runs, note=""):
        results[(size, name)] = Result(size, name)
        results[(size, name)].note = note
        specs.append(((name, size, cmd, cwd, before, ok_codes), runs))

    if "pim" in only and not args.no_demo:
        add("pim validate", "demo", [pim, "validate"], REPO, note="the repository's demo project")
    for size in sizes:
        path = project(args.cache, size, args.seed)
        files = catalog_files(path)
        mb = sum(os.path.getsize(os.path.join(path, f)) for f in files) / 1e6
        infos.append(f"{size:,}: {len(files):,} files, {mb:.0f} MB")
        if "pim" in only:
            # The cold path: without the cache of earlier runs (SPEC §7).
            add("pim validate", size, [pim, "-C", path, "validate", "--no-cache"], path,
                note="--no-cache")
            add("pim validate (cache warm)", size, [pim, "-C", path, "validate"], path,
                before=lambda path=path: warm_cache(pim, path),
                note="nothing changed since the last run")
            add("pim validate (one file changed)", size, [pim, "-C", path, "validate"], path,
                before=lambda path=path: (warm_cache(pim, path), toggle_one_file(path)),
                note="one product edited since the last run")
            git_history(path)
            add("pim diff HEAD~1 HEAD", size, [pim, "-C", path, "diff", "HEAD~1", "HEAD"], path,
                ok_codes=(0, 1), note=f"the last commit changes {DIFF_CHANGES} products")
            add("pim diff HEAD~1", size, [pim, "-C", path, "diff", "HEAD~1"], path,
                ok_codes=(0, 1), note="the same, against the working tree (one more file edited)")
            add("pim validate --channel all", size,
                [pim, "-C", path, "validate", "--channel", "all"], path,
                ok_codes=(0, 1), note="completeness of every channel")
            add("pim export --all", size, [pim, "-C", path, "export", "--all", "--out", out_dir], path,
                before=clear_out, note="fresh output folder each run")
        if "ref" in only:
            add("bare read", size, [ref, "read", path], path, note="walk + read")
            add("bare parse", size, [ref, "parse", path], path, note="walk + read + serde-saphyr")
            add("bare validate", size, [ref, "validate", path], path,
                note="+ jsonschema, base schema, all cores")
            add("bare render", size, [ref, "render", path], path, note="parse + minijinja, 4 channels")
        if ajv:
            cmd = ajv + ["validate", "--spec=draft2020", "--strict=false", "--errors=no",
                         "-s", "schemas/product.schema.json", "-d", "catalog/**/*.yaml"]
            custom = ["-c", os.path.join(HERE, "ajv_formats.js")]
            if ajv_formats:
                custom = ["-c", "ajv-formats"] + custom
            cmd[len(ajv) + 1:len(ajv) + 1] = custom
            add("ajv-cli", size, cmd, path,
                note="--spec=draft2020 --strict=false" + (" -c ajv-formats" if ajv_formats else "")
                + " -c bench/ajv_formats.js")
        if cjs:
            cmd = cjs + ["--schemafile", "schemas/product.schema.json"] + files
            arg_bytes = sum(len(a) + 1 for a in cmd)
            if arg_bytes > os.sysconf("SC_ARG_MAX") - 65536:
                results[(size, "check-jsonschema")] = Result(size, "check-jsonschema")
                results[(size, "check-jsonschema")].note = "skipped: the file list is too long for one command"
            else:
                add("check-jsonschema", size, cmd, path, runs=args.slow_runs)

    # Warm the page cache, then run round-robin so noise spreads evenly over commands.
    for size in sizes:
        path = project(args.cache, size, args.seed)
        for f in catalog_files(path):
            with open(os.path.join(path, f), "rb") as fh:
                fh.read()
    busy0, t0, ours0 = busy_cpu_seconds(), time.perf_counter(), os.times()
    for i in range(max([args.runs] + [r for _, r in specs])):
        log(f"run {i + 1}")
        for spec, runs in specs:
            if i < runs:
                measure(results, spec, args.timeout)
    clear_out()
    ours1 = os.times()
    ours = sum(getattr(ours1, k) - getattr(ours0, k) for k in ("user", "system", "children_user", "children_system"))
    loads = (max(0.0, busy_cpu_seconds() - busy0 - ours), time.perf_counter() - t0)

    text = report(results, sizes, args, argv, "; ".join(infos), loads)
    print(text)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    log(f"written to {args.output}")


if __name__ == "__main__":
    main()
