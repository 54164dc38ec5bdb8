#!/usr/bin/python3
"""The matrix benchmark: every sequence of the suite under the solver
configurations PETSc users run, each plain, with PETSc's `pod` and `fischer`
guesses, with the plugin's `ml` guess (and `mlgmres` where the KSP is GMRES).
Not a CI test (a --smoke run is).

  /usr/bin/python3 tutorials/matrix_benchmark.py --build build --repeat 3
  /usr/bin/python3 tutorials/matrix_benchmark.py --build build --only heat flow-pressure
  /usr/bin/python3 tutorials/matrix_benchmark.py --build build --smoke   # tiny sizes, all cells

Every sequence prints one SUMMARY line (tutorials/sequence_summary.h): the wall
time of its time loop (set-up, mesh generation and JIT compilation excluded),
the time inside KSPSolve (guess formation and update included), iterations,
the worst true relative residual. A cell's speedup is the plain
configuration's end-to-end time over the cell's, every second the guess costs
included. With --repeat R the cells of one sequence take turns (round robin,
every other round in reverse order), so a slow spell of the shared machine
hits them alike.

End-to-end time = the sequence's own work + the cell's time in KSPSolve. The
own work (time loop minus KSPSolve: assembly, time stepping, other solves) is
the same computation in every cell, yet on this shared 2-core machine it
varied by up to 60% between runs (flow-streamfunction: 1.1-1.8 s), more than
the differences being measured. So it is pooled: the median over every run of
the sequence, whatever the cell; each cell adds the median of its own
KSPSolve times, which hold every cost of the guess (PETSc forms and updates
the guess between the KSPSetPreSolve and KSPSetPostSolve hooks). matrix.md
also gives the unpooled medians of wall time, and the own work's median per
guess, which shows whether a guess slows the rest of the program (threads,
caches). --from-csv re-reports an earlier runs.csv.

All solves stop at the same relative tolerance of the TRUE residual: CG
measures the unpreconditioned norm and GMRES preconditions on the right, so
a cell is accurate when its worst true relative residual is within rtol.

Writes matrix.md (the matrix, the targets of issue 15 checked cell by cell),
matrix.png (heat map of speedups) and runs.csv (every run) into --out.
Uses /usr/bin/python3: Debian's python3-matplotlib and python3-dolfinx
belong to it.
"""
import argparse
import csv
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

import build_info

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (program, arguments, smoke arguments, family, symmetric operator, solvers).
# Unpreconditioned gmres(30) (the paper's configuration) runs on the moving
# charges only: on the other operators (coefficient contrast 100, 10^4
# unknowns) it takes minutes per run and nobody would use it.
ALL = ("gmres30", "default", "gamg", "hypre")
PRECONDITIONED = ("default", "gamg", "hypre")
# Families group the sequences the guess was tuned on; `held_out` below names
# the ones nobody tuned on. Sizes are chosen so that one plain PETSc-default
# run takes a few seconds on a 2-core machine.
SEQUENCES = {
    "charges": ("poisson_moving_charges", "-n 64 -steps 300", "-n 16 -steps 12", "charges", True, ALL),
    "charges-walk": ("poisson_moving_charges", "-n 64 -steps 300 -walk 0.05 -seed 3", "-n 16 -steps 12 -walk 0.05", "charges", True, ALL),
    "charges-3d": ("poisson_moving_charges", "-dim 3 -n 20 -steps 200 -walk 0.05", "-dim 3 -n 8 -steps 12", "charges", True, PRECONDITIONED),
    "flow-pressure": ("flow_projection", "-equation pressure", "-n 16 -steps 12", "flow", True, PRECONDITIONED),
    "flow-streamfunction": ("flow_projection", "-equation streamfunction", "-n 16 -steps 12 -equation streamfunction", "flow", True, PRECONDITIONED),
    "heat": ("heat_ts", "", "-n 16 -ts_max_steps 12", "parabolic", True, PRECONDITIONED),
    "heat-adaptive": ("heat_ts", "-ts_type bdf -ts_adapt_type basic", "-n 16 -ts_max_steps 12 -ts_type bdf -ts_adapt_type basic", "parabolic", True, PRECONDITIONED),
    "transport": ("heat_ts", "-velocity 50", "-n 16 -ts_max_steps 12 -velocity 50", "parabolic", False, PRECONDITIONED),
    "reaction": ("heat_ts", "-reaction 20 -ts_max_steps 150", "-n 16 -ts_max_steps 6 -reaction 20", "parabolic", True, PRECONDITIONED),
    "fenics-heat": ("fenics_heat.py", "--n 80", "--n 12 --steps 12", "fem", True, PRECONDITIONED),
}
HELD_OUT = ["fenics-heat", "charges-walk"]

# Solver configurations: (key, label, options for a symmetric operator, for a non-symmetric one).
SOLVERS = [
    ("gmres30", "gmres(30)", "-ksp_type gmres -pc_type none", "-ksp_type gmres -pc_type none"),
    ("default", "gmres + bjacobi/ilu", "-ksp_type gmres -pc_type bjacobi -ksp_pc_side right", "-ksp_type gmres -pc_type bjacobi -ksp_pc_side right"),
    ("gamg", "cg/gmres + gamg", "-ksp_type cg -pc_type gamg -ksp_norm_type unpreconditioned", "-ksp_type gmres -pc_type gamg -ksp_pc_side right"),
    ("hypre", "cg/gmres + boomeramg", "-ksp_type cg -pc_type hypre -pc_hypre_type boomeramg -ksp_norm_type unpreconditioned",
     "-ksp_type gmres -pc_type hypre -pc_hypre_type boomeramg -ksp_pc_side right"),
]
GUESSES = [
    ("plain", ""),
    ("pod", "-ksp_guess_type pod"),
    ("fischer", "-ksp_guess_type fischer"),
    ("ml", "-dll_append PLUGIN -ksp_guess_type ml"),
    ("mlgmres", "-dll_append PLUGIN"),  # -ksp_type mlgmres, only where the KSP is gmres
]
SUMMARY = re.compile(r"^SUMMARY sequence (\S+) solves (\d+) wall (\S+) ksp (\S+) its (\d+) max_rel_res (\S+) unconverged (\d+)", re.M)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True, help="build directory (libmlgmres.so, tutorials/)")
    p.add_argument("--out", default=os.path.join(HERE, "results", "matrix"))
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--rtol", type=float, default=1e-8)
    p.add_argument("--ranks", type=int, default=1)
    p.add_argument("--only", nargs="+", choices=list(SEQUENCES), help="sequences to run (default: all)")
    p.add_argument("--solvers", nargs="+", choices=[s[0] for s in SOLVERS])
    p.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    p.add_argument("--extra", default="", help="options added to every run (e.g. -ksp_guess_ml_carry 4)")
    p.add_argument("--from-csv", help="re-report the runs of an earlier runs.csv (no runs)")
    return p.parse_args()


def cells(args, name):
    """The (solver, guess, options) cells of one sequence."""
    symmetric, allowed = SEQUENCES[name][4:6]
    for key, _, sym, nonsym in SOLVERS:
        if (args.solvers and key not in args.solvers) or key not in allowed:
            continue
        base = sym if symmetric else nonsym
        for guess, opts in GUESSES:
            if guess == "mlgmres":
                if "-ksp_type gmres" not in base:
                    continue
                opts = opts + " " + base.replace("-ksp_type gmres", "-ksp_type mlgmres")
                yield key, guess, opts
            else:
                yield key, guess, base + " " + opts


def command(args, name, options):
    program, normal, smoke = SEQUENCES[name][:3]
    plugin = os.path.join(os.path.abspath(args.build), "libmlgmres.so")
    if program.endswith(".py"):
        exe = ["/usr/bin/python3", os.path.join(HERE, program)]
    else:
        exe = [os.path.join(os.path.abspath(args.build), "tutorials", program)]
    cmd = exe + (smoke if args.smoke else normal).split() + options.replace("PLUGIN", plugin).split()
    cmd += ["-ksp_rtol", repr(args.rtol)] + args.extra.split()
    if args.ranks > 1:
        cmd = build_info.mpiexec(args.build) + ["-n", str(args.ranks)] + cmd
    return cmd


# The basis' phases in -log_view (its compressions, rebuilds and operator
# probes run inside its guesses and joins), and what -ksp_view says of its
# memory and of the floor of its passes.
BASIS_EVENTS = ("MLBasisGuess", "MLBasisJoin")
EVENT = re.compile(r"^(\S+)\s+(\d+)\s+\S+\s+(\S+)", re.M)
MEMORY = re.compile(r"memory ([0-9.eE+-]+) MiB \(\d+ vectors\)")
FLOOR = re.compile(r"floor: (\d+) passes over the (\d+) directions per guessed solve, ([0-9.eE+-]+) ms")


def run(args, name, options):
    cmd = command(args, name, options)
    log = None
    if "PLUGIN" in options:  # the plugin's cells: its own events say what the basis cost
        fd, log = tempfile.mkstemp(prefix="matrix_log_", suffix=".txt")
        os.close(fd)
        cmd += ["-log_view", ":" + log]
    out = subprocess.run(cmd, capture_output=True, text=True)
    m = SUMMARY.search(out.stdout)
    upkeep = None
    if log:
        with open(log) as f:
            events = {e: float(t) for e, _, t in EVENT.findall(f.read()) if e in BASIS_EVENTS}
        os.unlink(log)
        upkeep = sum(events.values()) if events else 0.0
    if out.returncode != 0 or not m:
        sys.stderr.write("FAILED (%d): %s\n%s\n%s\n" % (out.returncode, " ".join(cmd), out.stdout[-2000:], out.stderr[-3000:]))
        return None
    return {"solves": int(m.group(2)), "wall": float(m.group(3)), "ksp": float(m.group(4)), "its": int(m.group(5)),
            "res": float(m.group(6)), "unconverged": int(m.group(7)), "cmd": " ".join(cmd), "upkeep": upkeep}


def basis_report(args, name, options):
    """One untimed run with -ksp_view: the basis' memory (MiB) and the floor
    of its passes (ms per guessed solve) at the end of the sequence."""
    out = subprocess.run(command(args, name, options) + ["-ksp_view"], capture_output=True, text=True)
    mem, floor = MEMORY.findall(out.stdout), FLOOR.findall(out.stdout)
    return {"mib": float(mem[-1]) if mem else None, "floor": float(floor[-1][2]) if floor else None}


def median_run(runs):
    """The run with the median KSPSolve time (the lower middle one for an even
    count), with the medians of wall and KSPSolve time over all runs."""
    ordered = sorted(runs, key=lambda r: r["ksp"])
    cell = dict(ordered[(len(ordered) - 1) // 2])
    cell["ksp"] = statistics.median(r["ksp"] for r in runs)
    cell["wall"] = statistics.median(r["wall"] for r in runs)
    return cell


def pool(results, own):
    """Adds each cell's end-to-end time: its sequence's pooled own work (median
    of wall - ksp over every run of the sequence) + the cell's KSPSolve time."""
    shared = {name: statistics.median(v) for name, v in own.items()}
    for (name, _, _), r in results.items():
        r["time"] = shared[name] + r["ksp"]
    return shared


def heat_map(path, names, columns, speed):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm
    data = [[speed.get((n, c), float("nan")) for c in columns] for n in names]
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * len(columns), 1.2 + 0.45 * len(names)))
    im = ax.imshow(data, cmap="RdYlGn", norm=TwoSlopeNorm(vcenter=1.0, vmin=0.5, vmax=3.0), aspect="auto")
    for i, row in enumerate(data):
        for j, v in enumerate(row):
            if v == v:
                ax.text(j, i, "%.2f" % v, ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(columns)), ["%s\n%s" % c for c in columns], fontsize=7, rotation=90)
    ax.set_yticks(range(len(names)), [n + (" (held out)" if n in HELD_OUT else "") for n in names], fontsize=8)
    ax.set_title("speedup over the same solver without a guess (end-to-end wall time)", fontsize=9)
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def report(args, names, runs, started, reports=None):
    """runs: {(sequence, solver, guess): [run, ...]}; reports: the basis'
    memory and floor per plugin cell (basis_report)."""
    os.makedirs(args.out, exist_ok=True)
    reports = reports or {}
    results = {cell: median_run(rs) for cell, rs in runs.items()}
    for cell, rs in runs.items():
        ups = [r["upkeep"] for r in rs if r.get("upkeep") is not None]
        results[cell]["upkeep_median"] = statistics.median(ups) if ups else None
    own, own_by_guess = {}, {}
    for (name, _, guess), rs in runs.items():
        for r in rs:
            own.setdefault(name, []).append(r["wall"] - r["ksp"])
            own_by_guess.setdefault((name, guess), []).append(r["wall"] - r["ksp"])
    shared = pool(results, own)
    columns = []
    for name in names:
        for key, guess, _ in cells(args, name):
            if (key, guess) not in columns:
                columns.append((key, guess))
    speed, best, lines, missed = {}, {}, [], []
    for name in names:
        for key, guess in columns:
            cell, plain = results.get((name, key, guess)), results.get((name, key, "plain"))
            if cell and plain:
                speed[(name, (key, guess))] = plain["time"] / cell["time"]
    lines.append("# Matrix benchmark: the suite of sequences x solver x guess\n")
    lines.append("Generated %s by `%s` on %s (%s), %d rank(s), rtol %g (true residual), median of %d.\n" % (
        started.strftime("%Y-%m-%d %H:%M"), " ".join(["tutorials/matrix_benchmark.py"] + sys.argv[1:]), platform.node(),
        platform.processor() or platform.machine(), args.ranks, args.rtol, max(len(rs) for rs in runs.values())))
    lines.append("Speedup = end-to-end time of the same solver without a guess / end-to-end time of the cell, where end-to-end time = "
                 "the sequence's own work (time loop minus KSPSolve, pooled: median over every run of the sequence) + the cell's median "
                 "time in KSPSolve (guess formation and update included). The unpooled wall times follow the targets. "
                 "Held out (never tuned on): %s.\n" % ", ".join(HELD_OUT))
    lines.append("| sequence | " + " | ".join("%s %s" % c for c in columns) + " |")
    lines.append("| --- |" + " ---: |" * len(columns))
    for name in names:
        row = []
        for c in columns:
            s = speed.get((name, c))
            row.append("" if s is None else "%.2f" % s)
        lines.append("| %s%s | %s |" % (name, " (held out)" if name in HELD_OUT else "", " | ".join(row)))
    lines.append("\n## Targets (issue 15)\n")
    lines.append("ml >= 0.98x plain and >= 1.0x the better of pod/fischer in every cell; >= 1.2x that in the sequences that evolve in time.\n")
    lines.append("| sequence | solver | plain [s] | pod [s] | fischer [s] | ml [s] | ml vs plain | ml vs best PETSc | its plain/ml | worst res | verdict |")
    lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |")
    for name in names:
        evolving = SEQUENCES[name][3] in ("flow", "parabolic")
        for key, label, _, _ in SOLVERS:
            r = {g: results.get((name, key, g)) for g, _ in GUESSES}
            if not (r["plain"] and r["ml"]):
                continue
            petsc = [r[g]["time"] for g in ("pod", "fischer") if r[g]]
            vs_plain = r["plain"]["time"] / r["ml"]["time"]
            vs_best = min(petsc) / r["ml"]["time"] if petsc else float("nan")
            worst = max(x["res"] for x in r.values() if x)
            need = 1.2 if evolving else 1.0
            ok = vs_plain >= 0.98 and (vs_best >= need if petsc else True) and worst <= args.rtol * 1.0001
            if not ok:
                missed.append("%s/%s" % (name, key))
            f = lambda g: "%.3f" % r[g]["time"] if r[g] else "-"
            lines.append("| %s | %s | %s | %s | %s | %s | %.2fx | %.2fx | %d/%d | %.1e | %s |" % (
                name, label, f("plain"), f("pod"), f("fischer"), f("ml"), vs_plain, vs_best, r["plain"]["its"], r["ml"]["its"], worst,
                "ok" if ok else "MISSED"))
    lines.append("\nCells missing a target: %s\n" % (", ".join(missed) if missed else "none"))
    lines.append("## Unpooled: median wall time of the time loop, speedup over plain\n")
    lines.append("| sequence | " + " | ".join("%s %s" % c for c in columns) + " |")
    lines.append("| --- |" + " ---: |" * len(columns))
    for name in names:
        row = []
        for key, guess in columns:
            cell, plain = results.get((name, key, guess)), results.get((name, key, "plain"))
            row.append("%.2f" % (plain["wall"] / cell["wall"]) if cell and plain else "")
        lines.append("| %s | %s |" % (name, " | ".join(row)))
    lines.append("\n## The sequence's own work (time loop minus KSPSolve), median per guess [s]\n")
    guesses = [g for g, _ in GUESSES]
    lines.append("| sequence | pooled | " + " | ".join(guesses) + " |")
    lines.append("| --- | ---: |" + " ---: |" * len(guesses))
    for name in names:
        per = [statistics.median(own_by_guess[(name, g)]) if own_by_guess.get((name, g)) else None for g in guesses]
        lines.append("| %s | %.3f | %s |" % (name, shared[name], " | ".join("" if v is None else "%.3f" % v for v in per)))
    lines.append("\n## Every cell (medians)\n")
    lines.append("Upkeep: the basis' events MLBasisGuess and MLBasisJoin (compressions, rebuilds and operator probes inside), median over the runs, per solve "
                 "and as a share of the time in KSPSolve; floor: the passes a guessed solve needs at the basis' final size, timed as plain "
                 "reads of its directions at the end of one untimed run with -ksp_view, which also gives the basis' memory per rank.\n")
    lines.append("| sequence | solver | guess | end-to-end [s] | wall [s] | KSPSolve [s] | solves | its | worst true res | upkeep [ms/solve] | upkeep / KSPSolve | floor [ms/solve] | basis [MiB] |")
    lines.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in names:
        for key, guess in columns:
            r = results.get((name, key, guess))
            if r:
                up = r.get("upkeep_median")
                d = reports.get((name, key, guess), {})
                extra = ("%.3f | %.0f%% | %s | %s" % (1e3 * up / r["solves"], 100 * up / r["ksp"], "%.3f" % d["floor"] if d.get("floor") is not None else "",
                                                     "%.2f" % d["mib"] if d.get("mib") is not None else "")) if up is not None else " | | | "
                lines.append("| %s | %s | %s | %.3f | %.3f | %.3f | %d | %d | %.2e | %s |" % (name, key, guess, r["time"], r["wall"], r["ksp"], r["solves"], r["its"], r["res"], extra))
    accurate = all(r["res"] <= args.rtol * 1.0001 and r["unconverged"] == 0 for r in results.values())
    lines.append("\nEvery solve within rtol: %s\n" % ("yes" if accurate else "NO"))
    with open(os.path.join(args.out, "matrix.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    try:
        heat_map(os.path.join(args.out, "matrix.png"), names, columns, {(n, c): v for (n, c), v in speed.items()})
    except ImportError as e:
        print("matrix: no heat map (%s)" % e)
    print("\n".join(lines))
    print("matrix: report %s" % os.path.join(args.out, "matrix.md"))


def main():
    args = parse_args()
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    started = datetime.datetime.now()
    names = args.only or list(SEQUENCES)
    if "fenics-heat" in names:
        try:
            import dolfinx  # noqa: F401  (python3-dolfinx from Debian)
        except ImportError:
            print("matrix: python3-dolfinx is not installed: fenics-heat skipped")
            names = [n for n in names if n != "fenics-heat"]
        else:
            if not build_info.petsc4py_matches(args.build):
                print("matrix: the build uses the PETSc at %s, python3-dolfinx another: fenics-heat skipped"
                      % build_info.petsc_prefix(args.build))
                names = [n for n in names if n != "fenics-heat"]
    os.makedirs(args.out, exist_ok=True)
    if args.from_csv:
        runs = {}
        with open(args.from_csv) as f:
            for row in csv.DictReader(f):
                if row["sequence"] in names:
                    runs.setdefault((row["sequence"], row["solver"], row["guess"]), []).append(
                        {"wall": float(row["wall"]), "ksp": float(row["ksp"]), "solves": int(row["solves"]), "its": int(row["its"]),
                         "res": float(row["max_rel_res"]), "unconverged": int(row.get("unconverged") or 0), "cmd": row["command"],
                         "upkeep": float(row["upkeep"]) if row.get("upkeep") else None})
        names = [n for n in names if any(c[0] == n for c in runs)]
        report(args, names, runs, started)
        return 0
    all_runs, failed = {}, []
    with open(os.path.join(args.out, "runs.csv"), "w", newline="") as f:
        log = csv.writer(f)
        log.writerow(["sequence", "solver", "guess", "repeat", "wall", "ksp", "solves", "its", "max_rel_res", "command", "unconverged", "upkeep"])
        for name in names:
            for rep in range(args.repeat):
                # every other round runs the cells in reverse order, so that no
                # configuration always runs first (a cold start) or right
                # after the same neighbour
                order = list(cells(args, name))
                for key, guess, opts in (order[::-1] if rep % 2 else order):
                    r = run(args, name, opts)
                    if r is None:
                        failed.append("%s/%s/%s" % (name, key, guess))
                        continue
                    all_runs.setdefault((name, key, guess), []).append(r)
                    log.writerow([name, key, guess, rep, r["wall"], r["ksp"], r["solves"], r["its"], r["res"], r["cmd"], r["unconverged"],
                                  "" if r["upkeep"] is None else r["upkeep"]])
                    f.flush()
                    print("matrix: %-20s %-8s %-8s wall %8.3f s  ksp %8.3f s  its %7d  res %.1e" % (name, key, guess, r["wall"], r["ksp"], r["its"], r["res"]), flush=True)
    reports = {}
    for name in names:
        for key, guess, opts in cells(args, name):
            if "PLUGIN" in opts and (name, key, guess) in all_runs:
                reports[(name, key, guess)] = basis_report(args, name, opts)
    report(args, names, all_runs, started, reports)
    if failed:
        print("matrix: FAILED runs: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
