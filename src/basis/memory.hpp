// What the basis of earlier solutions keeps when it is full: the policy half
// of the guess's memory (projection.hpp does the vector work).
//
// Every converged solution arrives as its coordinates in the basis (in the
// basis' own inner product, normalized by the solution's norm). The memory
// accumulates their covariance S = sum_t lambda^age c_t c_t^T for a few decay
// rates lambda at once. When the basis is full it is compressed to the
// leading eigenvectors of one of them: the directions the solutions used most
// (a POD of the solutions seen, weighted by recency).
//
// Which decay serves the sequence is measured, not set: at each compression
// every candidate chooses its directions from the solutions before the latest
// batch, and is scored by how much of the latest batch those directions
// capture (a forecast). A stationary sequence (charges jumping at random)
// keeps the long memory, a drifting one (a flow, a moving source) the short
// one. Measured in a prototype (32^2 Laplacian, CG, rtol 1e-8, 20-40
// directions): a drifting source 10,725-5,369 iterations without forgetting,
// 4,738-4,276 with a short memory; random jumps within 2% either way.
//
// Whatever the decay, the compression keeps the latest solutions themselves
// (up to kRecentExact, at most half of what it keeps) and fills the rest with
// the leading directions of what they leave out. A drifting sequence is best
// guessed by extrapolating its latest solutions, which a POD of the past only
// approximates; measured with 16-26 directions (cost limit off, rtol 1e-8):
// flow streamfunction + gamg 1,608 -> 1,096 iterations (16) and 1,263 -> 932
// (26), pressure + hypre 909 -> 602 (26), heat + gamg 2,434 -> 2,001 and
// 2,141 -> 1,788, drifting charges + hypre 1,191 -> 1,086; the stationary
// random charges within 0.6% (3,472 -> 3,492).
//
// Plain C++ and LAPACK (dsyev): no PETSc types, unit-testable alone.
#pragma once

#include <array>
#include <deque>
#include <vector>

namespace mlgmres {

class BasisMemory {
 public:
  // Memory lengths 1/(1 - lambda) of the candidates, in units of the
  // directions kept after a compression; 0 stands for no forgetting.
  static constexpr std::array<double, 4> kMemory = {0, 4, 1, 0.25};
  // Latest solutions a compression keeps exactly (at most half of what it keeps).
  static constexpr int kRecentExact = 8;

  // Forgets everything (the basis was emptied); compressions will keep `keep`
  // directions, the unit of the candidates' memory lengths.
  void reset(int keep);

  // A solution with coordinates c[0..n) in a basis of n directions (the
  // directions may have grown since the last call, never shrunk without
  // compress()/reset()); c is normalized here.
  void record(const double *c, int n);

  // Chooses the `keep` directions (keep <= n) the basis keeps out of its n:
  // V (n x keep, column-major, orthonormal) holds them as combinations of
  // the current directions: the latest solutions' span first, then the most
  // used. The internal state is rotated to them.
  // Returns the index into kMemory of the decay chosen.
  int compress(int n, int keep, std::vector<double> &V);

  // The basis' directions are now combinations of those the state is in:
  // old coordinates a become M^T a (M: n x cols, column-major, n the
  // directions now; e.g. M orthogonal: a rotation, M = [I 0]: directions
  // added that no solution used yet). Call before any record() in the new
  // basis. Cheap: the state itself is rotated at the next compress(), on
  // whatever thread runs it.
  void rebase(const std::vector<double> &M, int cols);

  // kMemory index chosen at the last compression (0 before any).
  int chosen() const { return chosen_; }
  int compressions() const { return compressions_; }

 private:
  /* The solutions since the last compression are kept as they came; the
     covariances are formed only when the basis is full, so a solve costs
     one copy of its coordinates, not four n x n updates. */
  int                                             n_ = 0, seen_ = 0, chosen_ = 0, compressions_ = 0;
  std::array<std::vector<double>, kMemory.size()> S_;        // n_ x n_ row-major, as of the last compression
  std::array<double, kMemory.size()>              lambda_{}; // per candidate, from the kept directions
  std::deque<std::vector<double>>                 recent_;   // normalized coordinates of the solutions since then
  std::vector<double>                             pending_;  // rebase() not yet applied to S_: rows x n_, column-major
  int                                             pending_rows_ = -1; // S_'s size while one is pending (-1: none)
  void apply_pending();
};

// r <- r minus its parts along the k orthonormal columns of C (m x k,
// column-major; r has m entries), two passes ("twice is enough"). Returns
// |r|^2 after.
double remove_span(const std::vector<double> &C, int m, int k, std::vector<double> &r);
// Appends to the orthonormal columns of V (n x cols, column-major) what c
// (length <= n) has outside their span, normalized, if that is more than
// `tiny` of c. Returns whether it did.
bool append_orthogonal(int n, std::vector<double> &V, int &cols, std::vector<double> c, double tiny = 1e-8);

// Eigenvalues (ascending) and eigenvectors (columns, column-major) of the
// symmetric n x n matrix S (row-major; symmetric, so either order). Throws
// std::runtime_error if LAPACK fails.
void symmetric_eigen(int n, const std::vector<double> &S, std::vector<double> &values, std::vector<double> &vectors);

}  // namespace mlgmres
