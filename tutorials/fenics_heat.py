#!/usr/bin/python3
"""Heat equation on a perforated plate: a sequence of solves with one matrix, for FEniCSx.

    u_t - div(k grad u) = f(x, t)   on the unit square minus three circular holes,
    u = 0 on the outer boundary, k grad u . n = 0 (insulated) on the holes,

backward Euler with a fixed step, P1 Lagrange on an irregular triangle mesh. The
matrix M/dt + K is assembled once; every step changes only the right-hand side
(the previous solution and a Gaussian source whose centre circles the holes), so
the solves form the kind of sequence a KSPGuess learns from. Unlike the DMDA
tutorials there is no grid: the unknowns are numbered as dolfinx partitions them.

Run with Debian's FEniCSx (python3-dolfinx 0.5), which belongs to /usr/bin/python3:

  /usr/bin/python3 tutorials/fenics_heat.py                     # PETSc's default solver
  mpiexec -n 2 /usr/bin/python3 tutorials/fenics_heat.py -ksp_type cg -pc_type gamg \\
      -ksp_rtol 1e-8 -dll_append build/libmlgmres.so -ksp_guess_type ml

Script options (--n, --steps, --dt, --kappa, --width, --seed) take two dashes;
every single-dash option goes to PETSc's options database untouched, so the
solver, the preconditioner and the initial guess (-ksp_guess_type pod|fischer|ml)
all come from the command line. The script never sets a nonzero initial guess.

PETSc's default GMRES preconditions on the left and stops on the preconditioned
residual, so its true residual can exceed -ksp_rtol (here by about 100x with
ILU); add -ksp_pc_side right to GMRES, or -ksp_norm_type unpreconditioned to CG,
to stop on the true residual that max_rel_res reports.

Last line (rank 0), the suite's common format (see sequence_summary.h):
  SUMMARY sequence fenics-heat solves <N> wall <s> ksp <s> its <total> max_rel_res <r> unconverged <U>
wall is the time loop only (mesh, JIT form compilation and the matrix are done
before the clock starts), ksp the time inside ksp.solve, both the slowest rank's;
the true residual |b - A x| / |b| is measured outside both clocks.
"""
import argparse
import sys
import time

import petsc4py

# PETSc must see the command line before dolfinx initialises it, or -dll_append
# and the -ksp_* options would never reach the options database.
petsc4py.init(sys.argv)

import numpy as np  # noqa: E402
import ufl  # noqa: E402
from mpi4py import MPI  # noqa: E402
from petsc4py import PETSc  # noqa: E402

from dolfinx import fem, mesh  # noqa: E402
from dolfinx.fem.petsc import (apply_lifting, assemble_matrix, assemble_vector,  # noqa: E402
                               create_vector, set_bc)

# (x, y, radius) of the holes; the source circles them at SOURCE_RADIUS around the
# plate's centre, clear of the holes and of the cold outer boundary.
HOLES = [(0.35, 0.40, 0.10), (0.65, 0.40, 0.10), (0.50, 0.68, 0.10)]
CENTRE, SOURCE_RADIUS = (0.5, 0.5), 0.36


def parse_args():
    # Only --help: argparse would take PETSc's -help for -h with argument "elp".
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                add_help=False)
    p.add_argument("--help", action="help", help="show this help and exit (-help: PETSc's options)")
    p.add_argument("--n", type=int, default=104,
                   help="cells per side of the square before the holes are cut (104: about 10,000 unknowns)")
    p.add_argument("--steps", type=int, default=200, help="time steps (= solves)")
    p.add_argument("--dt", type=float, default=0.005, help="time step; the source makes one lap in steps * dt")
    p.add_argument("--kappa", type=float, default=100.0,
                   help="conductivity of half the squares of a 4 x 4 checkerboard (the others have 1)")
    p.add_argument("--width", type=float, default=0.05, help="width of the Gaussian source")
    p.add_argument("--seed", type=int, default=0, help="seed of the vertex jitter (-1: no jitter)")
    # parse_known_args: the PETSc options (one dash) are left for PETSc.
    return p.parse_known_args()[0]


def perforated_mesh(comm, n, seed):
    """Unit square minus HOLES: a structured triangle mesh, its interior vertices
    jittered, keeping only the cells with no vertex inside a hole (dolfinx 0.5
    has no mesh generator here, and a submesh keeps the parent's partition)."""
    square = mesh.create_rectangle(comm, [np.zeros(2), np.ones(2)], [n, n], mesh.CellType.triangle)
    x = square.geometry.x
    if seed >= 0:
        # The jitter is a hash of the vertex's grid index, not a random stream, so
        # that every rank moves a shared vertex alike. At most 0.2 h per
        # coordinate: no triangle can turn over.
        ij = np.rint(x[:, :2] * n)
        interior = np.all((ij > 0) & (ij < n), axis=1)
        for d in range(2):
            s = np.sin(ij[:, 0] * 12.9898 + ij[:, 1] * 78.233 + 37.719 * d + 1.618 * seed) * 43758.5453
            x[interior, d] += 0.2 / n * (2 * (s[interior] - np.floor(s[interior])) - 1)

    def outside_holes(p):
        keep = np.ones(p.shape[1], dtype=bool)
        for cx, cy, r in HOLES:
            keep &= (p[0] - cx) ** 2 + (p[1] - cy) ** 2 >= r * r
        return keep

    cells = mesh.locate_entities(square, 2, outside_holes)
    return mesh.create_submesh(square, 2, cells)[0]


def main():
    args = parse_args()
    comm = MPI.COMM_WORLD
    setup0 = time.perf_counter()  # mesh, JIT compilation of the forms, matrix
    domain = perforated_mesh(comm, args.n, args.seed)
    tdim = domain.topology.dim
    domain.topology.create_connectivity(tdim - 1, tdim)
    V = fem.FunctionSpace(domain, ("Lagrange", 1))

    # Zero Dirichlet on the outer square only: the holes' edges are exterior
    # facets too, but not on x or y = 0 or 1, so they stay insulated (Neumann).
    def outer(p):
        return np.isclose(p[0], 0) | np.isclose(p[0], 1) | np.isclose(p[1], 0) | np.isclose(p[1], 1)

    facets = mesh.locate_entities_boundary(domain, tdim - 1, outer)
    bc = fem.dirichletbc(PETSc.ScalarType(0), fem.locate_dofs_topological(V, tdim - 1, facets), V)

    # High-contrast conductivity, cell-wise (DG0): a checkerboard of 1 and kappa,
    # whose jumps cross the holes and the source's path.
    k = fem.Function(fem.FunctionSpace(domain, ("DG", 0)))
    k.interpolate(lambda p: np.where((np.floor(4 * p[0]) + np.floor(4 * p[1])) % 2 == 1, args.kappa, 1.0))

    # The source's centre is a pair of Constants, so the form is compiled once and
    # each step only updates two numbers.
    xc, yc = fem.Constant(domain, PETSc.ScalarType(0)), fem.Constant(domain, PETSc.ScalarType(0))
    X = ufl.SpatialCoordinate(domain)
    f = 100.0 * ufl.exp(-((X[0] - xc) ** 2 + (X[1] - yc) ** 2) / (2 * args.width ** 2))

    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    u_n, uh = fem.Function(V), fem.Function(V)
    dt = args.dt
    a = fem.form((u * v / dt + k * ufl.dot(ufl.grad(u), ufl.grad(v))) * ufl.dx)
    # A fixed quadrature degree: UFL's estimate for exp() would be needlessly high.
    L = fem.form((u_n / dt + f) * v * ufl.dx(metadata={"quadrature_degree": 4}))

    # The matrix never changes: assembled once, BC rows replaced by identity rows.
    A = assemble_matrix(a, bcs=[bc])
    A.assemble()
    b = create_vector(L)
    r = b.duplicate()

    ksp = PETSc.KSP().create(comm)
    ksp.setOperators(A)
    ksp.setFromOptions()  # solver, preconditioner and KSPGuess all from the options

    def set_source(step):
        # One lap around the holes over the run, the radius wobbling so the path
        # is not a plain circle; t is the end of the step (backward Euler).
        theta = 2 * np.pi * (step + 1) / args.steps
        rho = SOURCE_RADIUS + 0.04 * np.sin(3 * theta)
        xc.value, yc.value = CENTRE[0] + rho * np.cos(theta), CENTRE[1] + rho * np.sin(theta)

    solves = its = unconverged = 0
    max_rel_res = ksp_seconds = untimed = 0.0
    # The preconditioner is set up inside the first solve and so is timed, as in
    # the C tutorials; only what dolfinx does once (mesh, JIT, A) is left out.
    comm.Barrier()
    t0 = time.perf_counter()
    setup = t0 - setup0
    for step in range(args.steps):
        set_source(step)
        with b.localForm() as b_local:
            b_local.set(0)
        assemble_vector(b, L)
        # Lifting is a no-op for a zero BC value, but keeps the recipe right if
        # the boundary value is ever changed.
        apply_lifting(b, [a], [[bc]])
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        set_bc(b, [bc])

        # uh still holds the last solution, but the KSP zeroes it unless the
        # options ask for a nonzero guess; a KSPGuess forms its own.
        s0 = time.perf_counter()
        ksp.solve(b, uh.vector)
        s1 = time.perf_counter()
        ksp_seconds += s1 - s0
        solves += 1
        its += ksp.getIterationNumber()
        if ksp.getConvergedReason() < 0:
            unconverged += 1

        # True residual, left out of both clocks so no solver is charged for it.
        A.mult(uh.vector, r)
        r.aypx(-1.0, b)
        bnorm = b.norm()
        if bnorm > 0:
            max_rel_res = max(max_rel_res, r.norm() / bnorm)
        untimed += time.perf_counter() - s1

        # The new solution is the next step's u_n (ghost values included).
        uh.x.scatter_forward()
        u_n.x.array[:] = uh.x.array
    wall = time.perf_counter() - t0 - untimed

    seconds = np.array([wall, ksp_seconds, setup])
    comm.Allreduce(MPI.IN_PLACE, seconds, op=MPI.MAX)
    wall, ksp_seconds, setup = seconds
    ncells = comm.allreduce(domain.topology.index_map(tdim).size_local, op=MPI.SUM)
    if comm.rank == 0:
        print(f"fenics-heat: {V.dofmap.index_map.size_global} unknowns, {ncells} triangles, {args.steps} steps "
              f"of dt {dt:g}, kappa {args.kappa:g}, {comm.size} rank(s); setup {setup:.2f} s (mesh, JIT, matrix)")
        print(f"SUMMARY sequence fenics-heat solves {solves} wall {wall:.4f} ksp {ksp_seconds:.4f} its {its} "
              f"max_rel_res {max_rel_res:.3e} unconverged {unconverged}")
    ksp.destroy()
    A.destroy()
    b.destroy()
    r.destroy()


if __name__ == "__main__":
    main()
