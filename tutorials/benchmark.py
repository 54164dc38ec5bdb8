#!/usr/bin/python3
"""End-to-end benchmark of the moving-charge Poisson tutorial (not a CI test).

Runs, on the same sequence of right-hand sides (same -seed), every solver
configuration below for each grid size and source type, and reports the
end-to-end wall time (every inference and training second included),
iterations, the worst true relative residual, the learner's share of the time
and the speedups against each baseline. Writes a Markdown report and PNG plots
(python3-matplotlib from Debian) into --out.

  /usr/bin/python3 tutorials/benchmark.py --build build              # n = 32, 64, 128; 300 steps
  /usr/bin/python3 tutorials/benchmark.py --build build --sizes 256  # add any size
  /usr/bin/python3 tutorials/benchmark.py --build build --repeat 3   # median of 3 runs

With --repeat R every configuration of a grid and source runs R times, the
configurations taking turns (round robin), so that a slow spell of a shared
machine hits them alike; the report keeps the run with the median wall time
and lists the spread.

Uses /usr/bin/python3 on purpose: Debian's python3-matplotlib belongs to it.
"""
import argparse
import csv
import datetime
import os
import platform
import re
import subprocess
import sys

import build_info

# (key, label, options). PLUGIN is replaced by the library path. The GMRES
# family runs unpreconditioned, as in the paper; the CG pair shows the learned
# guess under a strong preconditioner. Every configuration stops on the true
# (unpreconditioned) residual, so the tolerance means the same for all.
CONFIGS = [
    ("gmres", "gmres(30), zero guess", "-ksp_type gmres -pc_type none"),
    ("gmres_prev", "gmres(30), previous solution", "-ksp_type gmres -pc_type none -ksp_initial_guess_nonzero"),
    ("gmres_pod", "gmres(30) + pod guess", "-ksp_type gmres -pc_type none -ksp_guess_type pod"),
    ("gmres_fischer", "gmres(30) + fischer guess", "-ksp_type gmres -pc_type none -ksp_guess_type fischer"),
    ("mlgmres", "mlgmres (defaults)", "-dll_append PLUGIN -ksp_type mlgmres -pc_type none"),
    ("cg_gamg", "cg + gamg", "-ksp_type cg -pc_type gamg -ksp_norm_type unpreconditioned"),
    ("cg_gamg_ml", "cg + gamg + ml guess", "-dll_append PLUGIN -ksp_type cg -pc_type gamg -ksp_norm_type unpreconditioned -ksp_guess_type ml"),
]
BASELINES = ["gmres", "gmres_prev", "gmres_pod", "gmres_fischer"]

SUMMARY = {
    "wall": re.compile(r"^Total wall time: ([0-9.eE+-]+) s", re.M),
    "its": re.compile(r"^Iterations: total (\d+), mean ([0-9.]+) per step", re.M),
    "maxres": re.compile(r"^Max true relative residual: ([0-9.eE+-]+)", re.M),
    "unconverged": re.compile(r"^Unconverged solves: (\d+)", re.M),
    "learner": re.compile(r"^Learner time: inference ([0-9.eE+-]+) s, training ([0-9.eE+-]+) s", re.M),
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True, help="build directory (holds libmlgmres.so and tutorials/)")
    p.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--sources", nargs="+", default=["monopole", "dipole"], choices=["monopole", "dipole"])
    p.add_argument("--ranks", type=int, default=1)
    p.add_argument("--rtol", default="1e-6")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--configs", nargs="+", default=[c[0] for c in CONFIGS], help="subset of configurations to run")
    p.add_argument("--extra", default="", help="options added to every run")
    p.add_argument("--repeat", type=int, default=1, help="runs per configuration; the median wall time is reported (odd counts recommended)")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = p.parse_args()
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def run_one(args, exe, plugin, source, n, key, options, histfile):
    cmd = []
    if args.ranks > 1:
        cmd = build_info.mpiexec(args.build) + ["-n", str(args.ranks)]
    cmd += [exe, "-n", str(n), "-steps", str(args.steps), "-seed", str(args.seed), "-ksp_rtol", args.rtol,
            "-step_log", histfile] + (["-dipole"] if source == "dipole" else [])
    cmd += options.replace("PLUGIN", plugin).split() + args.extra.split()
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"benchmark: {key} failed (exit {out.returncode}):\n{' '.join(cmd)}\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
    r = {"cmd": " ".join(cmd)}
    text = out.stdout
    r["wall"] = float(SUMMARY["wall"].search(text).group(1))
    m = SUMMARY["its"].search(text)
    r["its_total"], r["its_mean"] = int(m.group(1)), float(m.group(2))
    r["maxres"] = float(SUMMARY["maxres"].search(text).group(1))
    r["unconverged"] = int(SUMMARY["unconverged"].search(text).group(1))
    m = SUMMARY["learner"].search(text)
    r["infer"], r["train"] = (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)
    with open(histfile) as f:
        r["history"] = [(int(row["iterations"]), float(row["seconds"])) for row in csv.DictReader(f)]
    with open(histfile + ".last") as f:
        r["last_residuals"] = [float(row["residual_norm"]) for row in csv.DictReader(f)]
    return r


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def plots(args, results, configs):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for source in args.sources:
        for n in args.sizes:
            res = results.get((source, n), {})
            if "gmres" not in res or "mlgmres" not in res:
                continue
            fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
            for key, style in (("gmres", "k-"), ("mlgmres", "r-")):
                h = res[key]["history"]
                ax1.plot(range(len(h)), [s for _, s in h], style, lw=0.8, label=key)
                ax2.plot(range(len(h)), [i for i, _ in h], style, lw=0.8, label=key)
            ax1.set_ylabel("time to solution [s]")
            ax1.set_yscale("log")
            ax2.set_ylabel("iterations")
            ax2.set_xlabel("step")
            ax1.legend()
            ax1.set_title(f"{source}s, {n}x{n}: per-step time (learning included) and iterations")
            name = f"steps_{source}_n{n}.png"
            fig.tight_layout()
            fig.savefig(os.path.join(args.out, name), dpi=110)
            plt.close(fig)
            files.append(name)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for source, marker in zip(args.sources, "os"):
        for base, style in (("gmres", "-"), ("gmres_pod", "--")):
            xs = [n for n in args.sizes if {"mlgmres", base} <= set(results.get((source, n), {}))]
            ys = [results[(source, n)][base]["wall"] / results[(source, n)]["mlgmres"]["wall"] for n in xs]
            if xs:
                ax.plot(xs, ys, style + marker, label=f"mlgmres vs {base}, {source}s")
    ax.axhline(1, color="gray", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xticks(args.sizes)
    ax.set_xticklabels([str(n) for n in args.sizes])
    ax.set_xlabel("grid side n (same network size for every n)")
    ax.set_ylabel("end-to-end speedup")
    ax.legend(fontsize=8)
    ax.set_title("End-to-end speedup versus grid size")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "speedup_vs_n.png"), dpi=110)
    plt.close(fig)
    files.append("speedup_vs_n.png")

    source, n = args.sources[0], args.sizes[-1]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label, _ in configs:
        if key in results.get((source, n), {}):
            r = results[(source, n)][key]["last_residuals"]
            ax.semilogy(range(len(r)), r, lw=1, label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("residual norm (as the KSP monitors it)")
    ax.set_title(f"Residual history of the last solve, {source}s, {n}x{n}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "residual_last_solve.png"), dpi=110)
    plt.close(fig)
    files.append("residual_last_solve.png")
    return files


def report(args, results, configs, files, started):
    rtol = float(args.rtol)
    lines = [f"# Moving-charge Poisson benchmark", "",
             f"- date: {started:%Y-%m-%d %H:%M}",
             f"- machine: {os.cpu_count()} cores, {cpu_model()}, {platform.platform()}",
             f"- runs: {args.steps} steps, rtol {args.rtol}, seed {args.seed}, {args.ranks} rank(s); every time is end to end (KSPSolve loop, inference and training included)",
             f"- repeats: {args.repeat} run(s) per configuration, taking turns; each row is the run with the median wall time" + (" (the spread is listed after the tables)" if args.repeat > 1 else ""),
             f"- command: `/usr/bin/python3 tutorials/benchmark.py {' '.join(sys.argv[1:])}`", ""]
    for source in args.sources:
        for n in args.sizes:
            res = results.get((source, n))
            if not res:
                continue
            lines += [f"## {source}s, {n}x{n}", "",
                      "| configuration | wall [s] | its/step | max true rel. res. | training [s] (share) | inference [s] (share) | "
                      + " | ".join(f"speedup vs {b}" for b in BASELINES if b in res) + " |",
                      "| --- | ---: | ---: | ---: | ---: | ---: | " + " | ".join("---:" for b in BASELINES if b in res) + " |"]
            for key, label, _ in configs:
                if key not in res:
                    continue
                r = res[key]
                cells = [label, f"{r['wall']:.3f}", f"{r['its_mean']:.1f}", f"{r['maxres']:.2e}" + ("" if r["maxres"] <= rtol * 1.0001 else " (!)"),
                         f"{r['train']:.3f} ({100 * r['train'] / r['wall']:.0f}%)", f"{r['infer']:.3f} ({100 * r['infer'] / r['wall']:.0f}%)"]
                cells += [f"{res[b]['wall'] / r['wall']:.2f}x" for b in BASELINES if b in res]
                lines.append("| " + " | ".join(cells) + " |")
            if {"cg_gamg", "cg_gamg_ml"} <= set(res):
                lines += ["", f"cg + gamg with the ml guess runs at {res['cg_gamg']['wall'] / res['cg_gamg_ml']['wall']:.2f}x the speed of cg + gamg alone."]
            if args.repeat > 1:
                lines += ["", "Wall times of every run [s]: " + "; ".join(
                    f"{key} " + ", ".join(f"{w:.3f}" for w in res[key]["walls"]) for key, _, _ in configs if key in res)]
            lines.append("")
    lines += ["## Targets", ""]
    first_target = len(lines)
    for source in args.sources:
        for n in args.sizes:
            res = results.get((source, n), {})
            if "mlgmres" not in res:
                continue
            ml = res["mlgmres"]["wall"]
            checks = []
            if "gmres" in res:
                checks.append(("mlgmres >= 3x faster than gmres(30)", res["gmres"]["wall"] / ml, 3.0))
            if "gmres_pod" in res:
                checks.append(("mlgmres >= 2x faster than gmres + pod", res["gmres_pod"]["wall"] / ml, 2.0))
            if {"cg_gamg", "cg_gamg_ml"} <= set(res):
                checks.append(("cg + gamg + ml >= 0.95x of cg + gamg", res["cg_gamg"]["wall"] / res["cg_gamg_ml"]["wall"], 0.95))
            for what, value, target in checks:
                lines.append(f"- {source}s, {n}x{n}: {what}: {value:.2f}x, {'met' if value >= target else 'MISSED'}")
            worst = max(r["maxres"] for r in res.values())
            lines.append(f"- {source}s, {n}x{n}: every solve within rtol: {'yes' if worst <= rtol * 1.0001 else 'NO'} (worst {worst:.2e})")
    print("\n".join(lines[first_target:]))
    lines += ["", "## Plots", ""] + [f"![{f}]({f})" for f in files]
    lines += ["", "## Exact commands", ""]
    for (source, n), res in sorted(results.items()):
        for key, r in res.items():
            lines.append(f"- `{r['cmd']}`")
    path = os.path.join(args.out, "benchmark.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def main():
    args = parse_args()
    exe = os.path.join(args.build, "tutorials", "poisson_moving_charges")
    plugin = os.path.abspath(os.path.join(args.build, "libmlgmres.so"))
    for f in (exe, plugin):
        if not os.path.exists(f):
            sys.exit(f"benchmark: {f} not found: build first (config/setup.sh build)")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit("benchmark: needs Debian's python3-matplotlib (apt-get install python3-matplotlib) under /usr/bin/python3")
    os.makedirs(args.out, exist_ok=True)
    configs = [c for c in CONFIGS if c[0] in args.configs]
    # Open MPI refuses root unless told (CI and these machines run as root).
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    started = datetime.datetime.now()
    total = len(args.sources) * len(args.sizes) * len(configs) * args.repeat
    results, done = {}, 0
    histdir = os.path.join(args.out, "history")
    os.makedirs(histdir, exist_ok=True)
    for source in args.sources:
        for n in args.sizes:
            runs = {key: [] for key, _, _ in configs}
            for rep in range(args.repeat):
                for key, label, options in configs:
                    done += 1
                    print(f"[{done}/{total}] {source}s n={n} {label} ...", end="", flush=True)
                    hist = os.path.join(histdir, f"{source}_n{n}_{key}_run{rep + 1}.csv")
                    r = run_one(args, exe, plugin, source, n, key, options, hist)
                    runs[key].append(r)
                    extra = f", training {r['train']:.2f} s" if r["train"] else ""
                    print(f" {r['wall']:.2f} s, {r['its_mean']:.1f} its/step{extra}", flush=True)
            for key, rs in runs.items():
                median = sorted(rs, key=lambda r: r["wall"])[(len(rs) - 1) // 2]  # the lower middle for even counts
                median["walls"] = [r["wall"] for r in rs]
                results.setdefault((source, n), {})[key] = median
    files = plots(args, results, configs)
    path = report(args, results, configs, files, started)
    print(f"benchmark: report {path}")


if __name__ == "__main__":
    main()
