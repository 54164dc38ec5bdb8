// What happens when the basis of earlier solutions is full: it is compressed
// to the directions its memory keeps (memory.hpp), and repaired when it
// has drifted from orthonormal.
//
// A small basis is compressed at once. A large one (kDeferFrom directions or
// more) is compressed without stopping a solve: the memory's decision (a few
// dense eigenproblems of the basis' size: 40-100 ms at 162-184 directions
// with reference LAPACK) runs on a thread of its own beside the next
// kDecideOver solves (a quarter of the basis' size if fewer), which go on
// with the basis as it is (growing by the solutions they bring: the
// compression starts that many directions before `capacity`); then the
// guesses use only what the compression keeps plus every solution since
// (what those have along the dropped directions is kept too), and
// kDropsPerSolve dropped directions (more if the cost limit fell far below
// the basis) leave it per solve (drop_plan.hpp; two passes over the basis),
// so no solve pays for the whole compression. Measured on 64^2 moving charges, 600 solves, gmres(30), the
// basis alone: done in one solve, a compression made that solve 45-87 times
// the median solve (1.9 ms); spread, no solve took more than 3.4-5.6 times
// the median beyond what its iterations cost, and KSPSolve's total stayed
// within the noise (1.61 -> 1.43 s and 1.67 -> 1.73 s, medians of 3).
//
// The decision is taken at a fixed solve after the start, whatever the
// thread's speed (waiting for it if need be), so every run and every rank
// drops the same directions at the same solves: the results do not depend on
// timing.
#pragma once

#include <petscmat.h>

#include <future>
#include <memory>
#include <vector>

#include "basis.hpp"
#include "memory.hpp"
#include "drop_plan.hpp"

class MLDecisionThread;

struct MLCompression {
  static constexpr PetscInt kDeferFrom  = 64; // directions from which a compression is spread over solves
  static constexpr PetscInt kDecideOver = 32; // solves the decision has on its thread, at most (a quarter of the basis' size)
  static constexpr PetscInt kDropsPerSolve = 2; // at least: faster than the solutions join, the basis shrinks

  struct Decision {
    mlgmres::BasisMemory memory; // after the compression, in V's coordinates
    std::vector<double>  V;      // the directions kept (count x keep at the start)
    int                  n = 0, keep = 0; // old directions, kept ones
  };
  enum Phase { IDLE, DECIDING, DROPPING };

  Phase                             phase = IDLE;
  std::shared_ptr<MLDecisionThread> thread;   // where decisions run: started with a basis that can spread one (MLCompressionCreate)
  std::future<Decision>             decision; // DECIDING: on that thread
  mlgmres::BasisMemory             memory;   // DROPPING: the decision's, in the live directions' coordinates
  mlgmres::DropPlan                plan;     // DROPPING: which old directions are live
  PetscInt                         solves = 0, window = 0; // solves since the start; the decision's (kDecideOver, fewer when the basis has less room left)
  PetscInt                         rate = kDropsPerSolve;            // directions dropped per solve
  std::vector<std::vector<double>> held;     // coordinates of the solutions since the start, in the basis as it is now
  PetscInt                         spread = 0, waited = 0; // compressions spread over solves; decisions a solve had to wait for
  PetscLogDouble                   waited_seconds = 0;     // how long, in all
};

// Starts the thread the decisions of a basis of `capacity` directions will
// run on, if it can be large enough to spread them. Started now, with the
// basis, because a thread created later can wait for a library another
// thread is loading: 250-440 ms in the solve that started a compression
// while the training worker loaded LibTorch (moving charges 64^2, async).
PetscErrorCode MLCompressionCreate(const MLBasis *p, MLCompression *c);
// When the basis of `room` directions (by cost) is full, how it is
// compressed: whether spread over solves, from how many directions
// (*start), with how many solves for the decision (*window), keeping how
// many (plus, spread, what the solutions while it decides bring beyond them:
// at most half of *start in all).
PetscInt MLCompressionKeep(const MLBasis *p, PetscInt room, PetscBool *spread, PetscInt *start, PetscInt *window);
// Before a solution joins the basis (full: `room` directions): compresses a
// small basis, starts spreading a large one's compression, and makes sure the
// join has a slot (capacity).
PetscErrorCode MLCompressionBeforeJoin(MLBasis *p, MLCompression *c, Mat A, PetscInt room);
// A solution's coordinates c[0..n) in the basis: to the memory, or held
// (and carried through the drops) until a compression under way ends.
PetscErrorCode MLCompressionRecord(MLBasis *p, MLCompression *cp, const double *c, int n);
// Coordinates c[0..count) in the basis as it is, of the live directions
// only (what is dying is left out): every guess and join goes through it.
void MLCompressionFilter(const MLCompression *cp, PetscScalar *c);
// After a join: the decision when due, then directions dropped. `guess`
// (NULL: none), the live coordinates of a guess formed before, is carried
// through the drops: it stays that guess' coordinates in the basis after.
PetscErrorCode MLCompressionAfterJoin(MLBasis *p, MLCompression *c, Mat A, std::vector<PetscScalar> *guess = NULL);
// Abandons a compression under way (the basis is being emptied).
void MLCompressionCancel(MLCompression *c);
