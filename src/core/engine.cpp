// The table the PETSc plugin finds in libmlgmres_engine.so (mlgmres/engine.hpp).
#include "mlgmres/engine.hpp"

namespace {

std::unique_ptr<mlgmres::Learner> CreateLearner(const mlgmres::Settings &s, const mlgmres::Geometry &g)
{
  return std::make_unique<mlgmres::Learner>(s, g);
}

const mlgmres::EngineApi kApi = {mlgmres::kEngineAbi, CreateLearner, mlgmres::device_available};

}  // namespace

extern "C" __attribute__((visibility("default"))) const mlgmres::EngineApi *mlgmres_engine(void) { return &kApi; }
