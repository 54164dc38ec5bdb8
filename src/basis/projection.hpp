// How the ml guess forms x0: the best combination of the network's output w
// and of a basis spanned by earlier converged solutions of the same operator.
//
// The network places the solution's shape near the sources; what it leaves
// is mostly smooth and spread out, which the span of earlier solutions
// represents well and GMRES removes slowly. Measured on the moving-charge
// sequence (README): the projection lowers the iterations left after the
// network's guess further than either does alone, and the span alone (before
// the network is trained) already removes most of them once it holds a few
// hundred solutions.
//
// The basis is kept orthonormal, so a guess costs two passes over it (one
// reduction, one VecMAXPY) and no dense solve, whatever its size:
//   energy   (Galerkin; symmetric operators): (Q_i, A Q_j) = delta_ij, and
//            x0 = Q Q^T b is the least A-norm error in the span for SPD A;
//   residual (least squares; any operator): A Q orthonormal, x0 = Q (AQ)^T b
//            minimizes ||b - A x0|| (never above ||b||).
// An operator found not symmetric (or an energy norm found not positive) is
// served with the residual basis instead.
//
// The upkeep of a guessed solve is one Gram-Schmidt pass, not two: with x0
// the guess and c its coordinates, Q^T A (x - x0) = Q^T r (the solve's final
// residual), so x - x0 is already orthogonal to the span up to the solve's
// tolerance and x's coordinates are c. One real pass restores orthogonality
// to rounding (x0 is kept: one copy per solve). And a join's last pass is
// fused into the next guess (passes.hpp): the solution waits as u (x - x0,
// or what a first pass left of x) and z = A u, the next guess' reduction
// computes (T, b) and (T, z) in one pass over the directions, and its
// accumulation forms x0 and the new direction (u - Q h)/s in one more. A
// guessed solve costs two passes over the basis and one MatMult (three
// passes for the residual basis, whose products A Q are kept too); one whose
// correction is within the rounding of x (below 1e-9 of it) four passes and
// two MatMults. The last pass is done at
// once where no guess from the basis follows (a zero-guess probe, a network
// guess) or where it removed most of u (a second pass follows).
//
// A full basis is compressed to half its directions: the ones the solutions
// used most, with a memory length that forecast the latest solutions best
// (memory.hpp); a small basis at once (one dense rotation), a large one
// spread over the solves after (compression.hpp).
//
// When PETSc says the operator changed, the basis is not dropped outright,
// as PETSc's own guesses do (operator_watch.hpp): if the values are the same
// the basis stays as it is; if they changed, it is rebuilt under the new
// operator from the `carry` most recent solutions (kept as they were), so the
// recent past still serves the next solve (1-2 MatMults per carried solution).
#pragma once

#include <petscmat.h>

#include <vector>

#include "basis.hpp"
#include "compression.hpp"
#include "operator_watch.hpp"
#include "compat/petsc_compat.h"
#include "scaling.hpp"

struct MLProjection;
// Vectors the projection holds beside its directions and carried solutions
// (u, z, x0, pu, pz, the operator probe and its product).
constexpr PetscInt MLProjectionWorkVectors = 7;
// Vectors the projection holds now (basis, products, carried solutions, work).
PetscInt MLProjectionVectors(const MLProjection *p);

// The basis (basis.hpp) and what a guess and a join need beside it.
struct MLProjection : MLBasis, MLOperatorWatch {
  PetscInt  limit = PETSC_MAX_INT;   // directions allowed now (<= capacity): set by what they cost
  PetscInt  skipped = 0;             // solutions already in the span (nothing new to keep)
  /* the last guess, for the next Add's single pass */
  Vec       x0 = NULL;               // the guess as Apply formed it
  std::vector<PetscScalar> c0;       // its coordinates (what x's are, to the solve's tolerance)
  /* what the last guess with a network output w removed from the squared error
     norm the projection minimizes (energy: A-norm of the error; residual: 2-norm
     of the residual): the basis' part |c|^2 and w's part beyond it; (b, b) */
  PetscReal basis_gain = 0, w_gain = 0, bb = 0;
  PetscBool guessed = PETSC_FALSE;   // x0 and c0 were formed by the last Apply,
  PetscInt  guessed_at = 0;          //   when the basis' `changes` were this
  Vec       b0 = NULL;               // for this right-hand side (not referenced: compared with its state)
  PetscObjectState b0_state = 0;
  PetscInt  single_pass = 0;         // solutions joined with one pass
  /* a guessed solve's solution waiting to join with the next guess' passes */
  PetscBool defer = PETSC_TRUE;      // whether joins may wait for the next guess
  PetscBool pending = PETSC_FALSE;   // u (what x has outside the span, one pass from orthogonal) and z = A u wait in pu, pz
  Vec       pu = NULL, pz = NULL;
  std::vector<PetscScalar> pc;       // x's coordinates along the basis so far,
  PetscReal pbase = 0;               //   their squared norm
  PetscInt  pending_at = 0;          // the basis' `changes` when it started waiting
  PetscInt  fused = 0;               // joins done within the next guess' passes
  MLCompression compression;         // a compression spread over solves, when one is under way
};

// Room for `capacity` directions of vectors like `like` and the `carry` most
// recent solutions; memory is taken as they arrive (capacity + carry +
// MLProjectionWorkVectors vectors, capacity more for the residual basis).
PetscErrorCode MLProjectionCreate(Vec like, PetscInt capacity, PetscInt carry, MLProjection *p);
PetscErrorCode MLProjectionDestroy(MLProjection *p);
// Forgets the basis and the carried solutions.
void MLProjectionReset(MLProjection *p);
// The operator's state changed: examined (and the basis kept or rebuilt) at
// the next Add or Apply, under the operator given there.
void MLProjectionOperatorChanged(MLProjection *p);
// Adds what the converged solution x of A x = b has outside the span, unless
// it is already in it: one pass of Gram-Schmidt and one MatMult when the last
// Apply guessed for this b (the same Vec, unchanged since) under the current
// basis and x - x0 is more than the solve's noise, else two of each. A full
// basis is compressed first. With b given, the last pass waits for the next
// Apply, which does it within its own passes (MLProjectionFlush does it now);
// b NULL: at once.
// The operator's null space (MatGetNullSpace) is removed from x.
PetscErrorCode MLProjectionAdd(MLProjection *p, Mat A, MLScaling scaling, Vec b, Vec x);

// Joins a solution that waits for the next guess now (nothing if none waits).
PetscErrorCode MLProjectionFlush(MLProjection *p, Mat A, MLScaling scaling);

// x0 = Q k + alpha w, the combination of the basis and w (NULL: the basis
// alone) that is best for `scaling` (energy: Galerkin, residual: least
// squares, none: x0 = w). Aw = A w when w is given. One reduction; the
// operator's null space is removed from x0. If ratio is
// not NULL, *ratio = ||b - A x0|| / ||b|| (one more MatMult and reduction).
// When there is nothing to combine with or the result is not finite, *why
// says so and x is left alone.
PetscErrorCode MLProjectionApply(MLProjection *p, Mat A, MLScaling scaling, Vec b, Vec w, Vec Aw, Vec x, PetscReal *ratio, const char **why);

// The basis kind `scaling` gets on this operator (after the first Add or Apply).
PetscBool MLProjectionUsesResidual(const MLProjection *p, MLScaling scaling);
