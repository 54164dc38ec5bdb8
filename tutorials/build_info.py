"""What a build directory of the plugin was built against, for the benchmark
drivers: the PETSc it uses (CMake records it) and that PETSc's mpiexec, so a
build against an MPICH PETSc (config/platform_petsc.sh) launches its ranks with
MPICH's mpiexec, and programs that load Debian's petsc4py (Open MPI) are not
mixed with it."""
import os
import re
import shlex

DEBIAN_PETSC = "/usr/lib/petscdir/petsc3.18/x86_64-linux-gnu-real"


def petsc_prefix(build):
    """The PETSc installation the build at `build` compiled against."""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            m = re.search(r"^MLGMRES_PETSC_PREFIX:INTERNAL=(.*)$", f.read(), re.M)
    except OSError:
        m = None
    return m.group(1) if m else DEBIAN_PETSC


def mpiexec(build):
    """PETSc's mpiexec command as its configure recorded it, as a list."""
    try:
        with open(os.path.join(petsc_prefix(build), "lib", "petsc", "conf", "petscvariables")) as f:
            m = re.search(r"^MPIEXEC = (.*)$", f.read(), re.M)
    except OSError:
        m = None
    return shlex.split(m.group(1)) if m else ["mpiexec", "--oversubscribe"]


def petsc4py_matches(build):
    """Whether Debian's petsc4py (python3-petsc4py, python3-dolfinx) uses the
    same PETSc as the build: only then can a Python program load the plugin."""
    try:
        import petsc4py
    except ImportError:
        return False
    theirs = petsc4py.get_config().get("PETSC_DIR", "")
    return os.path.realpath(theirs) == os.path.realpath(petsc_prefix(build))
