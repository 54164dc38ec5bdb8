#include "basis_memory.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

extern "C" void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work, const int *lwork, int *info);

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

// sum over the columns v of V (n x keep) of (v . c)^2
double captured(int n, int keep, const std::vector<double> &V, const std::vector<double> &c)
{
  double sum = 0;
  for (int j = 0; j < keep; ++j) {
    double d = 0;
    for (int i = 0; i < (int)c.size() && i < n; ++i) d += V[(size_t)j * n + i] * c[i];
    sum += d * d;
  }
  return sum;
}

}  // namespace

void BasisMemory::reset(int keep)
{
  *this = BasisMemory{};
  set_lambdas(keep);
}

void BasisMemory::set_lambdas(int keep)
{
  keep_ = std::max(keep, 1);
  for (size_t j = 0; j < kMemory.size(); ++j) {
    const double L = kMemory[j] * keep_;
    lambda_[j]     = kMemory[j] == 0 ? 1.0 : std::max(0.2, 1 - 1 / std::max(L, 1.0));
  }
}

void BasisMemory::grow(int n)
{
  if (n <= n_) return;
  for (auto &S : S_) {
    std::vector<double> bigger((size_t)n * n, 0.0);
    for (int i = 0; i < n_; ++i) std::copy_n(&S[(size_t)i * n_], n_, &bigger[(size_t)i * n]);
    S = std::move(bigger);
  }
  n_ = n;
}

void BasisMemory::record(const double *c, int n)
{
  grow(n);
  double norm2 = 0;
  for (int i = 0; i < n; ++i) norm2 += c[i] * c[i];
  if (!(norm2 > 0) || !std::isfinite(norm2)) return;
  Recent r{std::vector<double>(c, c + n), t_++};
  for (double &v : r.c) v /= std::sqrt(norm2);
  for (size_t j = 0; j < S_.size(); ++j) {
    std::vector<double> &S = S_[j];
    for (double &v : S) v *= lambda_[j];
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < n; ++k) S[(size_t)i * n_ + k] += r.c[i] * r.c[k];
  }
  recent_.push_back(std::move(r));
}

int BasisMemory::compress(int n, int keep, std::vector<double> &V)
{
  grow(n);
  keep = std::max(0, std::min(keep, n));
  /* Forecast score of each candidate: its directions chosen without the
     latest batch, measured on the latest batch. */
  int best = 0;
  if (!recent_.empty() && keep > 0 && recent_.size() < (size_t)t_) {
    double best_score = -1;
    for (size_t j = 0; j < S_.size(); ++j) {
      std::vector<double> before = S_[j];
      for (const Recent &r : recent_) {
        const double w = std::pow(lambda_[j], t_ - 1 - r.t);
        for (int i = 0; i < (int)r.c.size(); ++i)
          for (int k = 0; k < (int)r.c.size(); ++k) before[(size_t)i * n + k] -= w * r.c[i] * r.c[k];
      }
      const std::vector<double> U = leading(n, before, keep);
      double score = 0;
      for (const Recent &r : recent_) score += captured(n, keep, U, r.c);
      /* a shorter memory must forecast clearly better (1%) to be chosen */
      if (score > best_score * 1.01) best = (int)j, best_score = score;
    }
  }
  V = leading(n, S_[best], keep);
  /* S <- V^T S V for every candidate: each keeps what it knew about the kept directions */
  for (auto &S : S_) {
    std::vector<double> SV((size_t)n * keep, 0.0), R((size_t)keep * keep, 0.0);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < keep; ++j) {
        double s = 0;
        for (int k = 0; k < n; ++k) s += S[(size_t)i * n + k] * V[(size_t)j * n + k];
        SV[(size_t)i * keep + j] = s;
      }
    for (int a = 0; a < keep; ++a)
      for (int j = 0; j < keep; ++j) {
        double s = 0;
        for (int i = 0; i < n; ++i) s += V[(size_t)a * n + i] * SV[(size_t)i * keep + j];
        R[(size_t)a * keep + j] = s;
      }
    S = std::move(R);
  }
  n_ = keep;
  recent_.clear();
  chosen_ = best;
  ++compressions_;
  return best;
}

}  // namespace mlgmres
