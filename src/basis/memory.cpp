#include "memory.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "blas_lapack.hpp"

namespace mlgmres {

void symmetric_eigen(int n, const std::vector<double> &S, std::vector<double> &values, std::vector<double> &vectors)
{
  values.assign(n, 0);
  vectors = S;
  if (n == 0) return;
  int    info = 0, lwork = -1;
  double query;
  dsyev_("V", "U", &n, vectors.data(), &n, values.data(), &query, &lwork, &info);
  lwork = std::max(1, (int)query);
  std::vector<double> work(lwork);
  dsyev_("V", "U", &n, vectors.data(), &n, values.data(), work.data(), &lwork, &info);
  if (info != 0) throw std::runtime_error("LAPACK dsyev failed (info " + std::to_string(info) + ") on the basis' " + std::to_string(n) + "x" + std::to_string(n) + " covariance");
}

namespace {

// The `keep` leading eigenvectors of S (n x n), most weight first, column-major n x keep.
// (dsyevr for the subset alone was no faster here than dsyev: reference LAPACK
// spends the time reducing S to tridiagonal form either way.)
std::vector<double> leading(int n, const std::vector<double> &S, int keep)
{
  std::vector<double> values, vectors;
  symmetric_eigen(n, S, values, vectors);
  std::vector<double> V((size_t)n * keep);
  for (int j = 0; j < keep; ++j) std::copy_n(&vectors[(size_t)(n - 1 - j) * n], n, &V[(size_t)j * n]);
  return V;
}

// C = alpha op(A) op(B) + beta C, column-major with leading dimensions = rows.
void gemm(const char *ta, const char *tb, int m, int n, int k, double alpha, const double *A, int lda, const double *B, int ldb, double beta, double *C)
{
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (size_t i = 0; i < (size_t)m * n; ++i) C[i] *= beta;
    return;
  }
  dgemm_(ta, tb, &m, &n, &k, &alpha, A, &lda, B, &ldb, &beta, C, &m);
}

}  // namespace

double remove_span(const std::vector<double> &C, int m, int k, std::vector<double> &r)
{
  for (int pass = 0; pass < 2; ++pass)
    for (int j = 0; j < k; ++j) {
      double d = 0;
      for (int i = 0; i < m; ++i) d += C[(size_t)j * m + i] * r[i];
      for (int i = 0; i < m; ++i) r[i] -= d * C[(size_t)j * m + i];
    }
  double norm = 0;
  for (int i = 0; i < m; ++i) norm += r[i] * r[i];
  return norm;
}

bool append_orthogonal(int n, std::vector<double> &V, int &cols, std::vector<double> c, double tiny)
{
  c.resize(n, 0.0);
  double norm0 = 0;
  for (double v : c) norm0 += v * v;
  const double norm = remove_span(V, n, cols, c);
  if (!(norm > tiny * tiny * norm0) || norm0 == 0) return false;
  V.resize((size_t)n * (cols + 1));
  for (int i = 0; i < n; ++i) V[(size_t)cols * n + i] = c[i] / std::sqrt(norm);
  ++cols;
  return true;
}

void BasisMemory::reset(int keep)
{
  *this = BasisMemory{};
  keep  = std::max(keep, 1);
  for (size_t j = 0; j < kMemory.size(); ++j) {
    const double L = kMemory[j] * keep;
    lambda_[j]     = kMemory[j] == 0 ? 1.0 : std::max(0.2, 1 - 1 / std::max(L, 1.0));
  }
}

void BasisMemory::record(const double *c, int n)
{
  double norm2 = 0;
  for (int i = 0; i < n; ++i) norm2 += c[i] * c[i];
  if (!(norm2 > 0) || !std::isfinite(norm2)) return;
  std::vector<double> r(c, c + n);
  for (double &v : r) v /= std::sqrt(norm2);
  recent_.push_back(std::move(r));
}

// The candidates' covariances are never formed whole: each is
// decay * S_ (n_ x n_, what it knew at the last compression) plus the
// weighted outer products of the m solutions since (C W C^T, C = their
// coordinates, n x m). Its forecast needs only S_'s leading directions, its
// state after the compression only V^T (.) V; only the chosen one is formed
// (n^2 m), restricted to what the kept solutions leave out in O(n^2 exact).
// Measured (162 -> 81 directions, reference BLAS/LAPACK, the same directions
// chosen): 84 ms per compression with four n x n covariances, four n x n
// eigenproblems and naive loops; 40 ms now (the eigenproblems take 24 of them).
int BasisMemory::compress(int n, int keep, std::vector<double> &V)
{
  apply_pending();
  keep = std::max(0, std::min(keep, n));
  const int m = (int)recent_.size();
  std::vector<double> C((size_t)n * m, 0.0); /* column t: solution t, zero-padded to n */
  for (int t = 0; t < m; ++t) std::copy_n(recent_[t].data(), std::min<size_t>(recent_[t].size(), n), &C[(size_t)t * n]);
  /* candidate j's weight of solution t, lambda_j^(m-1-t), and of its old state, lambda_j^m */
  std::array<std::vector<double>, kMemory.size()> weight;
  std::array<double, kMemory.size()>              decay;
  for (size_t j = 0; j < kMemory.size(); ++j) {
    weight[j].resize(m);
    for (int t = 0; t < m; ++t) weight[j][t] = std::pow(lambda_[j], m - 1 - t);
    decay[j] = std::pow(lambda_[j], m);
  }

  /* Forecast score of each candidate: its directions chosen before the latest
     batch (S_'s leading ones), measured on the latest batch. */
  int best = 0;
  const int ahead = std::min(keep, n_);
  if (ahead > 0 && m > 0 && seen_ > 0) {
    std::vector<double> Y((size_t)ahead * m);
    double              best_score = -1;
    for (size_t j = 0; j < kMemory.size(); ++j) {
      const std::vector<double> U = leading(n_, S_[j], ahead);
      gemm("T", "N", ahead, m, n_, 1.0, U.data(), n_, C.data(), n, 0.0, Y.data());
      double score = 0;
      for (double y : Y) score += y * y;
      /* a shorter memory must forecast clearly better (1%) to be chosen */
      if (score > best_score * 1.01) best = (int)j, best_score = score;
    }
  }
  V.clear();
  if (keep > 0) {
    /* the chosen covariance, n x n: decay S_ (padded) + C W C^T */
    std::vector<double> S((size_t)n * n, 0.0), CW = C;
    for (int i = 0; i < n_; ++i)
      for (int k = 0; k < n_; ++k) S[(size_t)i * n + k] = decay[best] * S_[best][(size_t)i * n_ + k];
    for (int t = 0; t < m; ++t)
      for (int i = 0; i < n; ++i) CW[(size_t)t * n + i] *= weight[best][t];
    gemm("N", "T", n, n, m, 1.0, CW.data(), n, C.data(), n, 1.0, S.data());
    /* the latest solutions stay exactly (extrapolation in time), the rest of
       the room goes to the leading directions of what they leave out */
    int cols = 0;
    const int exact = std::min({m, keep / 2, kRecentExact});
    for (int t = m - exact; t < m; ++t) append_orthogonal(n, V, cols, recent_[t]);
    if (cols > 0) { /* P S P, P = I - V0 V0^T: S - V0 (S V0)^T - (S V0) V0^T + V0 (V0^T S V0) V0^T */
      std::vector<double> SV((size_t)n * cols), G((size_t)cols * cols), VG((size_t)n * cols);
      gemm("N", "N", n, cols, n, 1.0, S.data(), n, V.data(), n, 0.0, SV.data());
      gemm("T", "N", cols, cols, n, 1.0, V.data(), n, SV.data(), n, 0.0, G.data());
      gemm("N", "N", n, cols, cols, 1.0, V.data(), n, G.data(), cols, 0.0, VG.data());
      for (int i = 0; i < n * cols; ++i) VG[i] = 0.5 * VG[i] - SV[i]; /* S += V0 (VG/2 - SV)^T + (VG/2 - SV) V0^T */
      gemm("N", "T", n, n, cols, 1.0, V.data(), n, VG.data(), n, 1.0, S.data());
      gemm("N", "T", n, n, cols, 1.0, VG.data(), n, V.data(), n, 1.0, S.data());
    }
    const std::vector<double> L = leading(n, S, keep);
    for (int j = 0; j < keep && cols < keep; ++j) append_orthogonal(n, V, cols, std::vector<double>(&L[(size_t)j * n], &L[(size_t)(j + 1) * n]));
    for (int i = 0; i < n && cols < keep; ++i) { /* S had fewer leading directions than room: any others */
      std::vector<double> e(n, 0.0);
      e[i] = 1;
      append_orthogonal(n, V, cols, e);
    }
  }
  /* every candidate keeps what it knew about the kept directions:
     V^T (decay S_ + C W C^T) V = decay V1^T S_ V1 + Y W Y^T, V1 = V's first
     n_ rows, Y = V^T C */
  std::array<std::vector<double>, kMemory.size()> next;
  if (keep > 0) {
    std::vector<double> Y((size_t)keep * m), YW, V1((size_t)n_ * keep), SV1((size_t)n_ * keep);
    gemm("T", "N", keep, m, n, 1.0, V.data(), n, C.data(), n, 0.0, Y.data());
    for (int j = 0; j < keep; ++j) std::copy_n(&V[(size_t)j * n], n_, &V1[(size_t)j * n_]);
    for (size_t j = 0; j < kMemory.size(); ++j) {
      next[j].assign((size_t)keep * keep, 0.0);
      if (n_ > 0) {
        gemm("N", "N", n_, keep, n_, 1.0, S_[j].data(), n_, V1.data(), n_, 0.0, SV1.data());
        gemm("T", "N", keep, keep, n_, decay[j], V1.data(), n_, SV1.data(), n_, 0.0, next[j].data());
      }
      YW = Y;
      for (int t = 0; t < m; ++t)
        for (int i = 0; i < keep; ++i) YW[(size_t)t * keep + i] *= weight[j][t];
      gemm("N", "T", keep, keep, m, 1.0, YW.data(), keep, Y.data(), keep, 1.0, next[j].data());
    }
  }
  S_      = std::move(next);
  n_      = keep;
  seen_  += m;
  recent_.clear();
  chosen_ = best;
  ++compressions_;
  return best;
}

void BasisMemory::rebase(const std::vector<double> &M, int cols)
{
  if (M.size() != (size_t)n_ * cols) throw std::logic_error("BasisMemory::rebase: M is not " + std::to_string(n_) + " x " + std::to_string(cols));
  if (pending_rows_ < 0) { /* nothing pending: S_ is n_ x n_ */
    pending_      = M;
    pending_rows_ = n_;
  } else { /* compose: (rows x n_) (n_ x cols) */
    std::vector<double> P((size_t)pending_rows_ * cols, 0.0);
    gemm("N", "N", pending_rows_, cols, n_, 1.0, pending_.data(), pending_rows_, M.data(), n_, 0.0, P.data());
    pending_ = std::move(P);
  }
  n_ = cols;
}

void BasisMemory::apply_pending()
{
  if (pending_rows_ < 0) return;
  const int r = pending_rows_, k = n_;
  std::vector<double> SM((size_t)r * k);
  for (auto &S : S_) { /* P^T S P (S symmetric: row- or column-major alike) */
    std::vector<double> R((size_t)k * k, 0.0);
    if (r > 0 && (int)S.size() == r * r) {
      gemm("N", "N", r, k, r, 1.0, S.data(), r, pending_.data(), r, 0.0, SM.data());
      gemm("T", "N", k, k, r, 1.0, pending_.data(), r, SM.data(), r, 0.0, R.data());
    }
    S = std::move(R);
  }
  pending_.clear();
  pending_rows_ = -1;
}

}  // namespace mlgmres
