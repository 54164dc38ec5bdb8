#include "engine_loader.hpp"

#include <dlfcn.h>

#include <mutex>
#include <stdexcept>

namespace {

const mlgmres::EngineApi *table = nullptr;
std::string               loaded_from;
std::mutex                loading; /* the async learner's worker may be the one that loads it */

// libmlgmres_engine.so beside the library this function is in (the plugin,
// wherever -dll_append or the linker found it).
std::string DefaultPath()
{
  Dl_info info;
  if (dladdr((void *)&DefaultPath, &info) && info.dli_fname) {
    const std::string self = info.dli_fname;
    const size_t      slash = self.rfind('/');
    if (slash != std::string::npos) return self.substr(0, slash + 1) + "libmlgmres_engine.so";
  }
  return "libmlgmres_engine.so"; /* the dynamic linker's search path */
}

}  // namespace

const mlgmres::EngineApi &MLEngine()
{
  std::lock_guard<std::mutex> lock(loading);
  if (table) return *table;
  const char       *env  = getenv("MLGMRES_ENGINE");
  const std::string path = env && *env ? env : DefaultPath();
  const std::string hint = " (it holds LibTorch and the networks; set MLGMRES_ENGINE to its path, or run the basis of earlier solutions alone with -ksp_guess_ml_model none)";
  /* RTLD_LOCAL: LibTorch's symbols stay out of the application's namespace */
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error("cannot load the learning engine " + path + ": " + dlerror() + hint);
  auto entry = (const mlgmres::EngineApi *(*)())dlsym(handle, "mlgmres_engine");
  if (!entry) {
    dlclose(handle);
    throw std::runtime_error("the learning engine " + path + " has no entry point mlgmres_engine: not an engine of libmlgmres" + hint);
  }
  const mlgmres::EngineApi *api = entry();
  if (!api || api->abi != mlgmres::kEngineAbi) {
    const int abi = api ? api->abi : -1;
    dlclose(handle);
    throw std::runtime_error("the learning engine " + path + " has interface version " + std::to_string(abi) + ", this plugin needs " + std::to_string(mlgmres::kEngineAbi) + ": install the plugin and the engine of one build");
  }
  table       = api; /* never unloaded: LibTorch does not support it */
  loaded_from = path;
  return *table;
}

bool MLEngineLoaded()
{
  std::lock_guard<std::mutex> lock(loading);
  return table != nullptr;
}

std::string MLEnginePath()
{
  std::lock_guard<std::mutex> lock(loading);
  return loaded_from;
}
