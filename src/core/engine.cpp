// The table the PETSc plugin finds in libmlgmres_engine.so (mlgmres/engine.hpp).
#include "mlgmres/engine.hpp"

namespace {

const mlgmres::EngineApi kApi = {mlgmres::kEngineAbi, mlgmres::make_model, mlgmres::device_available};

}  // namespace

extern "C" __attribute__((visibility("default"))) const mlgmres::EngineApi *mlgmres_engine(void) { return &kApi; }
