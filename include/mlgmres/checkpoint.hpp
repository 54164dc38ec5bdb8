// Checkpoint/restart errors of the learner, torch-free so the PETSc layer can
// map each kind to a PETSc error code. The file format itself is private to
// src/core/checkpoint.cpp.
#pragma once

#include <stdexcept>
#include <string>

namespace mlgmres {

class CheckpointError : public std::runtime_error {
 public:
  enum class Kind { Missing, Truncated, Corrupted, Version, Mismatch, Write };
  CheckpointError(Kind k, const std::string &what) : std::runtime_error(what), kind_(k) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace mlgmres
