#include "compression.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "blas_lapack.hpp"
#include "events.hpp"

// One thread, idle until a decision is submitted; joined at destruction
// (after the decision it runs, if any).
class MLDecisionThread {
 public:
  MLDecisionThread() : thread_([this] { run(); }) {}
  ~MLDecisionThread()
  {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    ready_.notify_one();
    thread_.join();
  }
  std::future<MLCompression::Decision> submit(std::function<MLCompression::Decision()> job)
  {
    std::packaged_task<MLCompression::Decision()> task(std::move(job));
    std::future<MLCompression::Decision>          result = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(std::move(task));
    }
    ready_.notify_one();
    return result;
  }

 private:
  void run()
  {
    for (;;) {
      std::packaged_task<MLCompression::Decision()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (stop_) return;
        task = std::move(jobs_.front());
        jobs_.pop_front();
      }
      task(); /* an exception is kept in the future */
    }
  }
  std::mutex                                                mutex_;
  std::condition_variable                                   ready_;
  std::deque<std::packaged_task<MLCompression::Decision()>> jobs_;
  bool                                                      stop_ = false;
  std::thread                                               thread_; // last: started once the rest exists
};

namespace {

// Departure from orthonormality (relative, in the basis' inner product) above
// which the basis is repaired: well below what would spoil a guess.
constexpr PetscReal kOrthonormal = 1e-9;

// V_j <- sum_l V_l R[l, j] for j < keep, in place (R: n x keep, column-major):
// one pass over the basis, blocks of rows through dgemm.
PetscErrorCode Rotate(Vec *V, PetscInt n, PetscInt keep, const std::vector<double> &R)
{
  constexpr int          B = 256;
  PetscInt               local;
  std::vector<PetscScalar *> a(n);
  std::vector<double>    in((size_t)B * n), out((size_t)B * keep);

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(V[0], &local));
  for (PetscInt l = 0; l < n; ++l) PetscCall(VecGetArray(V[l], &a[l]));
  for (PetscInt i0 = 0; i0 < local; i0 += B) {
    const int rows = (int)PetscMin(B, local - i0), nn = (int)n, kk = (int)keep;
    const double one = 1, zero = 0;
    for (PetscInt l = 0; l < n; ++l)
      for (int r = 0; r < rows; ++r) in[(size_t)l * rows + r] = a[l][i0 + r];
    dgemm_("N", "N", &rows, &kk, &nn, &one, in.data(), &rows, R.data(), &nn, &zero, out.data(), &rows);
    for (PetscInt j = 0; j < keep; ++j)
      for (int r = 0; r < rows; ++r) a[j][i0 + r] = out[(size_t)j * rows + r];
  }
  for (PetscInt l = 0; l < n; ++l) PetscCall(VecRestoreArray(V[l], &a[l]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Makes the basis orthonormal again, in its own inner product, keeping its
// span: Q <- Q U L^(-1/2) from the Gram matrix G = U L U^T (n MatMults and n
// reductions; directions G finds dependent are dropped). The compression's
// memory starts over: its coordinates were in the old basis.
PetscErrorCode Reorthonormalize(MLBasis *p, Mat A)
{
  const PetscInt           n = p->count;
  Vec                     *T = p->residual ? p->AQ : p->Q;
  std::vector<PetscScalar> col(n);
  std::vector<double>      G((size_t)n * n), values, vectors, R;

  PetscFunctionBegin;
  for (PetscInt j = 0; j < n; ++j) {
    if (!p->residual) PetscCall(MatMult(A, p->Q[j], p->z));
    PetscCall(VecMDot(p->residual ? T[j] : p->z, n, T, col.data()));
    for (PetscInt i = 0; i < n; ++i) G[(size_t)j * n + i] = PetscRealPart(col[i]);
  }
  for (PetscInt j = 0; j < n; ++j) /* symmetric to rounding: use the mean */
    for (PetscInt i = 0; i < j; ++i) G[(size_t)j * n + i] = G[(size_t)i * n + j] = 0.5 * (G[(size_t)j * n + i] + G[(size_t)i * n + j]);
  PetscCallCXX(mlgmres::symmetric_eigen((int)n, G, values, vectors));
  const double top  = n ? values[n - 1] : 0;
  PetscInt     keep = 0;
  for (PetscInt j = n - 1; j >= 0 && values[j] > 1e-8 * top; --j) {
    R.insert(R.end(), &vectors[(size_t)j * n], &vectors[(size_t)(j + 1) * n]);
    for (PetscInt i = 0; i < n; ++i) R[(size_t)keep * n + i] /= std::sqrt(values[j]);
    ++keep;
  }
  if (keep > 0) {
    PetscCall(Rotate(p->Q, n, keep, R));
    if (p->residual) PetscCall(Rotate(p->AQ, n, keep, R));
  }
  p->count   = keep;
  ++p->changes;
  p->memory.reset(p->capacity / 2);
  ++p->repairs;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Whether the basis is still orthonormal in its own inner product, checked on
// one fixed combination y = Q v: (y, A y) (energy) or |A y|^2 (residual) must
// be |v|^2. Adding directions that are nearly in the span loses a little
// orthogonality each time when the inner product is the operator's (rounding
// in A q is relative to the largest eigenvalue, the smooth solutions' norms to
// the smallest), and without a repair it compounds: measured on the flow's
// pressure (Neumann, hypre) once the compression kept the latest solutions,
// 4e-15 -> 2.5e-11 -> 7e-8 -> 1.4e-2 over three compressions, then guesses
// worse than zero. n + 3 passes per compression.
PetscErrorCode CheckOrthonormal(MLBasis *p, Mat A)
{
  const PetscInt           n = p->count;
  std::vector<PetscScalar> v(n);
  PetscScalar              yy;
  double                   vv = 0;

  PetscFunctionBegin;
  if (n == 0) PetscFunctionReturn(PETSC_SUCCESS);
  /* the same coefficients on every rank: a fixed pseudo-random sequence */
  unsigned long long state = 0x9E3779B97F4A7C15ull;
  for (PetscInt i = 0; i < n; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    v[i]  = (double)(state >> 11) / 9007199254740992.0 - 0.5;
    vv += PetscRealPart(v[i] * v[i]);
  }
  PetscCall(VecSet(p->u, 0));
  if (p->residual) {
    PetscCall(VecMAXPY(p->u, n, v.data(), p->AQ));
    PetscCall(VecDot(p->u, p->u, &yy));
  } else {
    PetscCall(VecMAXPY(p->u, n, v.data(), p->Q));
    PetscCall(MatMult(A, p->u, p->z));
    PetscCall(VecDot(p->z, p->u, &yy));
  }
  if (!(PetscAbsReal(PetscRealPart(yy) - vv) <= kOrthonormal * vv)) PetscCall(Reorthonormalize(p, A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Each step of a compression is one MLBasisCompress event, its time in the basis' costs.
PetscErrorCode StepBegin(PetscLogDouble *t0)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(ML_BasisCompress, 0, 0, 0, 0));
  PetscCall(PetscTime(t0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StepEnd(MLBasis *p, PetscLogDouble t0)
{
  PetscLogDouble t1;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t1));
  p->costs.compress += t1 - t0;
  PetscCall(PetscLogEventEnd(ML_BasisCompress, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A full basis keeps the half its solutions used most (memory.hpp).
PetscErrorCode Compress(MLBasis *p, Mat A, PetscInt room)
{
  std::vector<double> R;
  const PetscInt      keep = room / 2;

  PetscFunctionBegin;
  PetscCallCXX(p->memory.compress((int)p->count, (int)keep, R));
  if (keep > 0) {
    PetscCall(Rotate(p->Q, p->count, keep, R));
    if (p->residual) PetscCall(Rotate(p->AQ, p->count, keep, R));
  }
  p->count   = keep;
  ++p->changes;
  PetscCall(CheckOrthonormal(p, A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Start of a spread compression of the count directions to `keep`: the
// decision goes to its thread with a copy of the memory (the solutions
// meanwhile are held, not recorded).
void Start(MLBasis *p, MLCompression *cp, PetscInt keep, PetscInt window)
{
  MLCompression &c = *cp;
  c.phase          = MLCompression::DECIDING;
  c.solves          = 0;
  c.window          = PetscMax(1, PetscMin(window, p->capacity - p->count));
  c.held.clear();
  auto decide = [memory = p->memory, n = (int)p->count, keep = (int)keep]() mutable {
    MLCompression::Decision d;
    memory.compress(n, keep, d.V);
    d.n      = n;
    d.keep   = n > 0 ? (int)(d.V.size() / n) : 0;
    d.memory = std::move(memory);
    return d;
  };
  c.decision = c.thread->submit(std::move(decide));
}

// The decision, waited for if its thread is not done (a LAPACK failure there
// is raised here). What the solutions since the start have along the
// directions it drops stays live: nothing they brought is lost.
PetscErrorCode Take(MLCompression *cp)
{
  MLCompression          &c = *cp;
  MLCompression::Decision d;

  PetscFunctionBegin;
  if (c.decision.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    PetscLogDouble t0, t1;
    PetscCall(PetscTime(&t0));
    c.decision.wait();
    PetscCall(PetscTime(&t1));
    ++c.waited;
    c.waited_seconds += t1 - t0;
  }
  PetscCallCXX(d = c.decision.get());
  const int n = d.n;
  PetscCallCXX(c.plan = mlgmres::DropPlan(n, d.keep, std::move(d.V)));
  for (std::vector<double> &h : c.held) PetscCallCXX(c.plan.rescue(h.data())); /* each covers the n old directions: none left before now */
  for (std::vector<double> &h : c.held) c.plan.filter(h.data());
  std::vector<double> grow((size_t)d.keep * c.plan.live(), 0.0); /* [I 0]: the rescued directions are new to the memory */
  for (int i = 0; i < d.keep; ++i) grow[(size_t)i * d.keep + i] = 1;
  PetscCallCXX(d.memory.rebase(grow, c.plan.live()));
  c.memory = std::move(d.memory);
  /* done within two windows: more than two drops per solve only when the
     room fell far below the basis (a spread compression normally drops about
     half of it, under four per window's solve) */
  c.rate  = PetscMax(MLCompression::kDropsPerSolve, (c.plan.old() - c.plan.live() + 2 * c.window - 1) / (2 * c.window));
  c.phase  = MLCompression::DROPPING;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// One step's reflection (drop_plan.hpp) of the old directions left.
struct Reflection {
  std::vector<double> v;
  double              beta = 0;
};

// The reflections of consecutive steps applied in two passes over the
// vectors, by blocks of rows (a block of every old direction stays in
// cache). Step i reflects V[i .. m): V <- V - beta v y^T, y = V v. With
// Z = V W (W: the steps' vectors, zero-padded to m, one pass), y_i = z_i
// corrected by the earlier steps (y_i = z_i - sum_{l<i} beta_l (v_l . w_i) y_l),
// and V <- V - sum_i beta_i y_i w_i^T (the second pass). Each step's first
// vector, the dying direction it makes, is written too and dropped after.
PetscErrorCode Reflect(Vec *V, PetscInt m, const std::vector<Reflection> &steps)
{
  constexpr PetscInt         B = 256;
  const size_t               R = steps.size();
  PetscInt                   local;
  std::vector<PetscScalar *> a(m);
  std::vector<double>        W((size_t)m * R, 0.0), G(R * R, 0.0); /* W: m x R; G_li = v_l . w_i */
  std::vector<PetscScalar>   Y(B * R);

  PetscFunctionBegin;
  for (size_t i = 0; i < R; ++i) std::copy(steps[i].v.begin(), steps[i].v.end(), W.begin() + (size_t)i * m + i);
  for (size_t i = 0; i < R; ++i)
    for (size_t l = 0; l < i; ++l)
      for (PetscInt k = 0; k < m; ++k) G[l * R + i] += W[l * m + k] * W[i * m + k];
  PetscCall(VecGetLocalSize(V[0], &local));
  for (PetscInt k = 0; k < m; ++k) PetscCall(VecGetArray(V[k], &a[k]));
  for (PetscInt i0 = 0; i0 < local; i0 += B) {
    const PetscInt rows = PetscMin(B, local - i0);
    std::fill(Y.begin(), Y.end(), 0.0);
    for (PetscInt k = 0; k < m; ++k) {
      const PetscScalar *__restrict x = a[k] + i0;
      for (size_t i = 0; i < R; ++i) {
        const PetscScalar w = W[i * m + k];
        PetscScalar *__restrict y = &Y[i * B];
        if (w != 0.0)
          for (PetscInt r = 0; r < rows; ++r) y[r] += w * x[r];
      }
    }
    for (size_t i = 0; i < R; ++i)
      for (size_t l = 0; l < i; ++l) {
        const PetscScalar s = steps[l].beta * G[l * R + i];
        for (PetscInt r = 0; r < rows; ++r) Y[i * B + r] -= s * Y[l * B + r];
      }
    for (PetscInt k = 0; k < m; ++k) {
      PetscScalar *__restrict x = a[k] + i0;
      for (size_t i = 0; i < R; ++i) {
        const PetscScalar s = steps[i].beta * W[i * m + k];
        const PetscScalar *__restrict y = &Y[i * B];
        if (s != 0.0)
          for (PetscInt r = 0; r < rows; ++r) x[r] -= s * y[r];
      }
    }
  }
  for (PetscInt k = 0; k < m; ++k) PetscCall(VecRestoreArray(V[k], &a[k]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The first vector of V[0..count) leaves it; it waits at V[count - 1] as the
// next join's spare.
void Shift(Vec *V, PetscInt count)
{
  Vec first = V[0];
  std::memmove(V, V + 1, (size_t)(count - 1) * sizeof(Vec));
  V[count - 1] = first;
}

// The old directions left are the live ones: the memory follows them, the
// held solutions are recorded.
PetscErrorCode Finish(MLBasis *p, MLCompression *cp, Mat A)
{
  MLCompression      &c = *cp;
  const int           k = c.plan.live();
  const auto         &C = c.plan.C();
  std::vector<double> M((size_t)k * k);

  PetscFunctionBegin;
  for (int i = 0; i < k; ++i) /* M = C^T: coordinates a in the live directions become C a in the old ones left */
    for (int j = 0; j < k; ++j) M[(size_t)j * k + i] = C[(size_t)i * k + j];
  PetscCallCXX(c.memory.rebase(M, k));
  p->memory = std::move(c.memory);
  for (const std::vector<double> &h : c.held) PetscCallCXX(p->memory.record(h.data(), (int)h.size()));
  c.held.clear();
  c.memory = mlgmres::BasisMemory{};
  c.plan   = mlgmres::DropPlan{};
  c.phase  = MLCompression::IDLE;
  ++c.spread;
  PetscCall(CheckOrthonormal(p, A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Up to `most` steps: the old directions reflected so that the first is
// dying, which leaves, and again; the held coordinates carried along.
PetscErrorCode Drop(MLBasis *p, MLCompression *cp, Mat A, PetscInt most, std::vector<PetscScalar> *guess)
{
  MLCompression          &c = *cp;
  std::vector<Reflection> steps;

  PetscFunctionBegin;
  const PetscInt m = c.plan.old();
  while ((PetscInt)steps.size() < most && !c.plan.done()) {
    Reflection r;
    PetscCallCXX(c.plan.next(r.v, r.beta));
    c.plan.advance(r.v, r.beta);
    for (std::vector<double> &h : c.held) mlgmres::DropPlan::carry(h, r.v, r.beta);
    if (guess) mlgmres::DropPlan::carry(*guess, r.v, r.beta); /* PetscScalar is double */
    steps.push_back(std::move(r));
  }
  if (!steps.empty()) {
    PetscCall(Reflect(p->Q, m, steps));
    if (p->residual) PetscCall(Reflect(p->AQ, m, steps));
    for (size_t i = 0; i < steps.size(); ++i) {
      Shift(p->Q, p->count);
      if (p->residual) Shift(p->AQ, p->count);
      --p->count;
    }
    ++p->changes; /* the last guess' coordinates were in the basis before */
  }
  if (c.plan.done()) PetscCall(Finish(p, cp, A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

} // namespace

PetscErrorCode MLCompressionCreate(const MLBasis *p, MLCompression *cp)
{
  PetscFunctionBegin;
  /* a compression is spread when the basis holds kDeferFrom directions or more (MLCompressionKeep) */
  if (p->capacity >= MLCompression::kDeferFrom) PetscCallCXX(cp->thread = std::make_shared<MLDecisionThread>());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscInt MLCompressionKeep(const MLBasis *p, PetscInt room, PetscBool *spread, PetscInt *start, PetscInt *window)
{
  /* the decision's solves grow the basis past `room` by at most a quarter
     (measured under gamg, 20-40 directions: a window of 32 solves left the
     basis twice its size for them, and cost 30% more iterations) */
  *window = PetscMax(1, PetscMin(MLCompression::kDecideOver, room / 4));
  /* it starts early enough that the solves while it decides find room */
  const PetscInt early = PetscMin(room, p->capacity - *window);
  /* what a compression costs grows with the directions it has, not with
     `room`: a room that fell (the solves got cheaper against the passes)
     still has the whole basis compressed (Take speeds the drops up) */
  *spread = (PetscBool)(PetscMax(p->count, early) >= MLCompression::kDeferFrom);
  if (!*spread) {
    *start = room;
    return room / 2;
  }
  *start = early;
  return PetscMax(1, early / 2 - *window);
}

PetscErrorCode MLCompressionBeforeJoin(MLBasis *p, MLCompression *cp, Mat A, PetscInt room)
{
  MLCompression &c = *cp;

  PetscFunctionBegin;
  if (c.phase == MLCompression::IDLE) {
    PetscBool      spread;
    PetscInt       start, window;
    const PetscInt keep = MLCompressionKeep(p, room, &spread, &start, &window);
    if (p->count < start) PetscFunctionReturn(PETSC_SUCCESS);
    if (!spread) {
      PetscLogDouble t0;
      PetscCall(StepBegin(&t0));
      PetscCall(Compress(p, A, room));
      PetscCall(StepEnd(p, t0));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    PetscLogDouble t0;
    PetscCall(StepBegin(&t0));
    Start(p, cp, keep, window);
    PetscCall(StepEnd(p, t0));
  }
  if (p->count >= p->capacity) { /* no slot for this solution: the compression must advance now */
    PetscLogDouble t0;
    PetscCall(StepBegin(&t0));
    if (c.phase == MLCompression::DECIDING) PetscCall(Take(cp));
    PetscCall(Drop(p, cp, A, 1, NULL));
    PetscCall(StepEnd(p, t0));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLCompressionRecord(MLBasis *p, MLCompression *cp, const double *c, int n)
{
  PetscFunctionBegin;
  if (cp->phase == MLCompression::IDLE) PetscCallCXX(p->memory.record(c, n));
  else cp->held.emplace_back(c, c + n);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLCompressionAfterJoin(MLBasis *p, MLCompression *cp, Mat A, std::vector<PetscScalar> *guess)
{
  MLCompression &c = *cp;

  PetscFunctionBegin;
  if (c.phase == MLCompression::DECIDING && ++c.solves >= c.window) {
    PetscLogDouble t0;
    PetscCall(StepBegin(&t0));
    PetscCall(Take(cp));
    PetscCall(StepEnd(p, t0));
  }
  if (c.phase == MLCompression::DROPPING) {
    PetscLogDouble t0;
    PetscCall(StepBegin(&t0));
    PetscCall(Drop(p, cp, A, c.rate, guess));
    PetscCall(StepEnd(p, t0));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

void MLCompressionFilter(const MLCompression *cp, PetscScalar *c)
{
  /* PetscScalar is double: compat/petsc_compat.h refuses complex and single builds */
  if (cp->phase == MLCompression::DROPPING) cp->plan.filter(c);
}

void MLCompressionCancel(MLCompression *cp)
{
  MLCompression &c = *cp;
  if (c.decision.valid()) c.decision.wait(); /* its result (or error) is dropped with it */
  c.decision = std::future<MLCompression::Decision>();
  c.memory   = mlgmres::BasisMemory{};
  c.plan     = mlgmres::DropPlan{};
  c.held.clear();
  c.phase = MLCompression::IDLE;
}
