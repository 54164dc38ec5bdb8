// How a full basis is compressed without stopping a solve: the directions it
// drops leave one per step (a few steps per solve), and the basis the guesses
// use never loses what the compression keeps or what the solutions since
// brought.
//
// A compression keeps `k` of the basis' m old directions, the combinations
// Q C (C: m x k, orthonormal; basis_memory.hpp). Done at once, Q <- Q C is a
// dense product over the whole basis: measured at 64^2 with 162 directions,
// 40-60 ms, 20-30 times a guessed solve (1.9 ms), in the one solve that
// filled the basis. Spread instead:
//  - the live basis is Q C (implicitly: coordinates along the m old
//    directions are projected onto span(C), `filter`) plus the directions
//    joined since, which are orthogonal to it; the other old directions are
//    dying and no guess uses them;
//  - each step reflects the old directions (Householder, H e_1 = u for a unit
//    u in the dying span, `next`), after which the first of them is a dying
//    direction and leaves the basis; C and the coordinates follow (`advance`,
//    `carry`); after m - k steps the old directions left are exactly Q C's
//    span, as a rotation of it (`C()` then square);
//  - a solution that arrived before C was known may have parts along what C
//    drops: `rescue` makes them live too.
// A step costs about two passes over the old directions left and O(m k) here.
//
// Plain C++, no PETSc types.
#pragma once

#include <vector>

namespace mlgmres {

class DropPlan {
 public:
  // C: m x k, column-major, orthonormal columns (k <= m).
  DropPlan(int m, int k, std::vector<double> C);
  DropPlan() = default;

  // Makes what c[0..m) has outside the live span live too, if that is more
  // than `tiny` of it. Returns whether it added a direction.
  bool rescue(const double *c, double tiny = 1e-8);
  // c[0..m) <- C C^T c[0..m): coordinates along the old directions, live part only.
  void filter(double *c) const;

  int  old() const { return m_; }  // old directions left
  int  live() const { return k_; } // live directions among them
  bool done() const { return m_ == k_; }

  // The next step's reflection H = I - beta v v^T of the m old directions
  // (v: m entries), after which the first of them is dying.
  void next(std::vector<double> &v, double &beta) const;
  // The step was applied to the vectors: the first old direction left.
  void advance(const std::vector<double> &v, double beta);
  // A vector's coordinates (m old first, then any others) across the step.
  static void carry(std::vector<double> &c, const std::vector<double> &v, double beta);

  // m x k, column-major: the live directions in the old ones left.
  const std::vector<double> &C() const { return C_; }

 private:
  int                 m_ = 0, k_ = 0;
  std::vector<double> C_;
};

} // namespace mlgmres
