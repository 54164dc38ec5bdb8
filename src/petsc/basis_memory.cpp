#include "basis_memory.hpp"

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
std::vector<double> leading(int n, const std::vector<double> &S, int keep)
{
  std::vector<double> values, vectors;
  symmetric_eigen(n, S, values, vectors);
  std::vector<double> V((size_t)n * keep);
  for (int j = 0; j < keep; ++j) std::copy_n(&vectors[(size_t)(n - 1 - j) * n], n, &V[(size_t)j * n]);
  return V;
}

// sum over the columns v of V (n x keep) of (v . c)^2; c may be shorter than n
double captured(int n, int keep, const std::vector<double> &V, const std::vector<double> &c)
{
  double sum = 0;
  for (int j = 0; j < keep; ++j) {
    double d = 0;
    for (size_t i = 0; i < c.size(); ++i) d += V[(size_t)j * n + i] * c[i];
    sum += d * d;
  }
  return sum;
}

// S += w c c^T (S: n x n, c possibly shorter)
void add_outer(int n, std::vector<double> &S, double w, const std::vector<double> &c)
{
  for (size_t i = 0; i < c.size(); ++i)
    for (size_t k = 0; k < c.size(); ++k) S[i * n + k] += w * c[i] * c[k];
}

// V^T S V (keep x keep) for S (n x n, symmetric) and V (n x keep, column-major), through dgemm.
std::vector<double> restricted(int n, int keep, const std::vector<double> &S, const std::vector<double> &V)
{
  const double        one = 1, zero = 0;
  std::vector<double> SV((size_t)n * keep), R((size_t)keep * keep);
  dgemm_("N", "N", &n, &keep, &n, &one, S.data(), &n, V.data(), &n, &zero, SV.data(), &n);
  dgemm_("T", "N", &keep, &keep, &n, &one, V.data(), &n, SV.data(), &n, &zero, R.data(), &keep);
  return R;
}

// Appends to the orthonormal columns of V (n x cols, column-major) what c
// (length <= n) has outside their span, if that is more than `tiny` of c.
bool append_orthogonal(int n, std::vector<double> &V, int &cols, std::vector<double> c, double tiny = 1e-8)
{
  c.resize(n, 0.0);
  double norm0 = 0;
  for (double v : c) norm0 += v * v;
  for (int pass = 0; pass < 2; ++pass)
    for (int j = 0; j < cols; ++j) {
      double d = 0;
      for (int i = 0; i < n; ++i) d += V[(size_t)j * n + i] * c[i];
      for (int i = 0; i < n; ++i) c[i] -= d * V[(size_t)j * n + i];
    }
  double norm = 0;
  for (double v : c) norm += v * v;
  if (!(norm > tiny * tiny * norm0) || norm0 == 0) return false;
  V.resize((size_t)n * (cols + 1));
  for (int i = 0; i < n; ++i) V[(size_t)cols * n + i] = c[i] / std::sqrt(norm);
  ++cols;
  return true;
}

}  // namespace

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

int BasisMemory::compress(int n, int keep, std::vector<double> &V)
{
  keep = std::max(0, std::min(keep, n));
  const int m = (int)recent_.size();
  /* Each candidate's covariance: what it knew at the last compression, decayed
     over the m solutions since (`before`), plus those solutions. */
  std::array<std::vector<double>, kMemory.size()> before, full;
  for (size_t j = 0; j < kMemory.size(); ++j) {
    before[j].assign((size_t)n * n, 0.0);
    const double decay = std::pow(lambda_[j], m);
    for (int i = 0; i < n_; ++i)
      for (int k = 0; k < n_; ++k) before[j][(size_t)i * n + k] = decay * S_[j][(size_t)i * n_ + k];
    full[j] = before[j];
    for (int t = 0; t < m; ++t) add_outer(n, full[j], std::pow(lambda_[j], m - 1 - t), recent_[t]);
  }
  /* Forecast score of each candidate: its directions chosen before the latest
     batch, measured on the latest batch. */
  int best = 0;
  if (keep > 0 && m > 0 && seen_ > 0) {
    double best_score = -1;
    for (size_t j = 0; j < kMemory.size(); ++j) {
      const std::vector<double> U     = leading(n, before[j], keep);
      double                    score = 0;
      for (const std::vector<double> &c : recent_) score += captured(n, keep, U, c);
      /* a shorter memory must forecast clearly better (1%) to be chosen */
      if (score > best_score * 1.01) best = (int)j, best_score = score;
    }
  }
  V.clear();
  if (keep > 0) {
    /* the latest solutions stay exactly (extrapolation in time), the rest of
       the room goes to the leading directions of what they leave out */
    int cols = 0;
    const int exact = std::min({m, keep / 2, kRecentExact});
    for (int t = m - exact; t < m; ++t) append_orthogonal(n, V, cols, recent_[t]);
    std::vector<double> S = full[best];
    if (cols > 0) { /* S restricted to the complement of the kept solutions: P S P, P = I - V V^T */
      std::vector<double> P((size_t)n * n, 0.0);
      for (int i = 0; i < n; ++i) P[(size_t)i * n + i] = 1;
      for (int j = 0; j < cols; ++j)
        for (int i = 0; i < n; ++i)
          for (int k = 0; k < n; ++k) P[(size_t)i * n + k] -= V[(size_t)j * n + i] * V[(size_t)j * n + k];
      S = restricted(n, n, S, P);
    }
    const std::vector<double> L = leading(n, S, keep);
    for (int j = 0; j < keep && cols < keep; ++j) append_orthogonal(n, V, cols, std::vector<double>(&L[(size_t)j * n], &L[(size_t)(j + 1) * n]));
    for (int i = 0; i < n && cols < keep; ++i) { /* S had fewer leading directions than room: any others */
      std::vector<double> e(n, 0.0);
      e[i] = 1;
      append_orthogonal(n, V, cols, e);
    }
  }
  /* every candidate keeps what it knew about the kept directions */
  for (size_t j = 0; j < kMemory.size(); ++j) S_[j] = keep > 0 ? restricted(n, keep, full[j], V) : std::vector<double>();
  n_ = keep;
  seen_ += m;
  recent_.clear();
  chosen_ = best;
  ++compressions_;
  return best;
}

}  // namespace mlgmres
