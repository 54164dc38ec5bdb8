#include "drop_plan.hpp"

#include <cmath>
#include <stdexcept>

#include "memory.hpp"

namespace mlgmres {

DropPlan::DropPlan(int m, int k, std::vector<double> C) : m_(m), k_(k), C_(std::move(C))
{
  if (k < 0 || k > m || C_.size() != (size_t)m * k) throw std::logic_error("DropPlan: C is not m x k with k <= m");
}

bool DropPlan::rescue(const double *c, double tiny)
{
  return k_ < m_ && append_orthogonal(m_, C_, k_, std::vector<double>(c, c + m_), tiny);
}

void DropPlan::filter(double *c) const
{
  std::vector<double> a(k_, 0.0);
  for (int j = 0; j < k_; ++j)
    for (int i = 0; i < m_; ++i) a[j] += C_[(size_t)j * m_ + i] * c[i];
  for (int i = 0; i < m_; ++i) {
    double s = 0;
    for (int j = 0; j < k_; ++j) s += C_[(size_t)j * m_ + i] * a[j];
    c[i] = s;
  }
}

void DropPlan::next(std::vector<double> &v, double &beta) const
{
  if (done()) throw std::logic_error("DropPlan::next: no dying direction left");
  /* u = (I - C C^T) e_i / |.| for the old direction C covers least: well conditioned */
  int    best = 0;
  double most = -1;
  for (int i = 0; i < m_; ++i) {
    double covered = 0;
    for (int j = 0; j < k_; ++j) covered += C_[(size_t)j * m_ + i] * C_[(size_t)j * m_ + i];
    if (1 - covered > most) most = 1 - covered, best = i;
  }
  std::vector<double> u(m_, 0.0);
  u[best] = 1;
  const double norm = remove_span(C_, m_, k_, u);
  for (double &x : u) x /= std::sqrt(norm);
  /* H e_1 = u: v = e_1 - u, beta = 2 / |v|^2 (u = e_1: nothing to reflect) */
  v = u;
  for (double &x : v) x = -x;
  v[0] += 1;
  double vv = 0;
  for (double x : v) vv += x * x;
  beta = vv > 1e-28 ? 2 / vv : 0;
}

void DropPlan::carry(std::vector<double> &c, const std::vector<double> &v, double beta)
{
  const size_t m = v.size();
  if (c.size() < m) c.resize(m, 0.0);
  double s = 0;
  for (size_t i = 0; i < m; ++i) s += v[i] * c[i];
  s *= beta;
  for (size_t i = 0; i < m; ++i) c[i] -= s * v[i];
  c.erase(c.begin());
}

void DropPlan::advance(const std::vector<double> &v, double beta)
{
  std::vector<double> next((size_t)(m_ - 1) * k_);
  for (int j = 0; j < k_; ++j) {
    std::vector<double> col(C_.begin() + (size_t)j * m_, C_.begin() + (size_t)(j + 1) * m_);
    carry(col, v, beta); /* its first entry, along the dying direction, is zero */
    std::copy(col.begin(), col.end(), next.begin() + (size_t)j * (m_ - 1));
  }
  C_ = std::move(next);
  --m_;
}

} // namespace mlgmres
