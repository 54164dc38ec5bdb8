// Shape of the field the learner sees. Buffers are in natural ordering with the
// dof index fastest: value(c, i, j, k) = buf[c + dof * (i + nx * (j + ny * k))],
// which is what DMDA natural vectors hold.
#pragma once

#include <array>
#include <cstdint>

namespace mlgmres {

struct Geometry {
  int dim = 0;  // 1, 2 or 3 for a structured grid; 0 when only the unknown count is known
  int dof = 1;  // components per grid point (channels of the network)
  std::array<std::int64_t, 3> n{{1, 1, 1}};  // points in x, y, z (unused dims are 1)

  static Geometry unstructured(std::int64_t size) {
    Geometry g;
    g.n = {{size, 1, 1}};
    return g;
  }
  bool structured() const { return dim > 0; }
  std::int64_t points() const { return n[0] * n[1] * n[2]; }
  std::int64_t size() const { return points() * dof; }
  bool operator==(const Geometry &o) const { return dim == o.dim && dof == o.dof && n == o.n; }
  bool operator!=(const Geometry &o) const { return !(*this == o); }
};

}  // namespace mlgmres
