// The ml KSPGuess's state and the functions its files share (guess_ml.cpp:
// the KSPGuess operations; guess_ml_learning.cpp: the network's metrics,
// checkpoints, its governor and model choice; guess_ml_view.cpp: -ksp_view and
// the monitor; guess_ml_api.cpp: the C setters and getters). Private to
// src/petsc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <petscksp.h>

#include "basis/memory_cap.hpp"
#include "basis/projection.hpp"
#include "field_transfer.hpp"
#include "governor/payoff_governor.hpp"
#include "mlgmres/learner.hpp"
#include "options.hpp"
#include "petscmlgmres.h"

namespace mlguess {

struct GuessML {
  MLOptions                         opts;
  PetscBool                         rebuild = PETSC_TRUE;  // settings changed since the learner was built
  std::unique_ptr<mlgmres::Learner> learner;               // rank 0 only
  MLFieldTransfer                   field;
  DM                                dm = NULL;             // the KSP's DM the field was built for (referenced)
  Vec                               work = NULL, Awork = NULL;
  MLProjection                      projection;            // the basis of earlier converged solutions, on every rank
  MLMemoryCap                       cap;                   // what the basis may hold per rank
  PetscLogDouble                    guess_seconds = 0;     // the basis' last guess: its time and directions (what a direction costs)
  PetscInt                          guess_directions = 0;
  int                               guess_passes = 2;      // passes over the directions it made
  mlgmres::PayoffGovernor           governor{20};          // whether the basis pays (replicated: fed reduced values only)
  /* what the basis saves: iterations of the solves it guessed, and of the zero-guess solves beside them */
  struct { PetscInt guessed = 0, probes = 0, guessed_its = 0, probe_its = 0; double probe_seconds = 0; } saved;
  /* whether the network pays beyond the basis: the same rule, where a probe is
     a solve from the basis alone and a guessed solve one with the network's
     direction, inference included (replicated) */
  mlgmres::PayoffGovernor           net_governor{20};
  enum { NET_NONE, NET_USED, NET_PROBE, NET_IDLE } net_arm = NET_NONE; // what this solve tells net_governor
  mlgmres::MovingAverage            marginal{20};          // share of the basis guess' error the network's direction removed (recent solves)
  std::vector<std::string>          next_models;           // -models still to try when the current network does not pay
  std::string                       tried;                 // models switched off for that, in order
  PetscReal                         last_marginal = -1;    // this solve's (-1: not measured)
  PetscInt                          N = -1;                // global size the learner serves; -1: not built
  PetscBool                         active = PETSC_FALSE;  // whether the network can serve this problem (the basis always can)
  PetscBool                         async  = PETSC_FALSE;  // training runs on a worker thread (resolved -training_mode)
  std::string                       model, why_inactive;
  int                               readiness = (int)mlgmres::GuessStatus::WarmingUp; // replicated Learner::readiness(): what the next solve may start from
  PetscInt                          k = 30;                // probe iteration of E_k
  PetscBool                         monitor_installed = PETSC_FALSE;
  PetscBool                         loaded = PETSC_FALSE;  // -load is applied once, to the first learner
  /* per solve */
  PetscLogDouble t0 = 0;
  PetscReal      ek = 0;
  PetscBool      ek_seen = PETSC_FALSE;
  enum { FROM_ZERO, FROM_BASIS, FROM_NETWORK } source = FROM_ZERO; // where x0 came from (a rejected guess: zero)
  enum { NO_GUESS, GUESS_USED, GUESS_REJECTED, PARKED } guess_state = NO_GUESS;
  PetscBool      parked_reported = PETSC_FALSE;
  PetscReal      guess_ratio = 1; // ||b - A x0|| / ||b|| of the used guess
  /* replicated counters */
  KSPGuessMLStats stats{};
};

// Values the learner rank broadcasts after an update step.
struct UpdateOutcome {
  int    verdict;
  int    readiness; // Learner::readiness() afterwards
  int    training_due;
  int    training_set;
  double loss, seconds;
  int    steps;
  int    blocks, grew;
  int    postponed; // a training was due but waits for the training budget, or (busy) for the worker
  int    busy;      // async: the worker still runs the last training
  int    finished;  // a training's result arrived in this step (sync: it ran now; async: the worker finished)
  int    started;   // async: a training was handed to the worker
  int    diverged;  // the training blew up and was undone
  double loss_before, loss_after, learning_rate;
};

// The ml context of `guess` (an error if it is of another type).
PetscErrorCode GetML(KSPGuess guess, GuessML **ctx);

/* guess_ml_learning.cpp */
void TakeReport(UpdateOutcome *u, const mlgmres::TrainingReport &r);
PetscErrorCode LoadCheckpoint(KSPGuess guess, GuessML *ctx);
PetscErrorCode SaveCheckpoint(KSPGuess guess, GuessML *ctx);
PetscErrorCode MeasureMarginal(GuessML *ctx, Vec b, Vec x);
PetscErrorCode JudgeNetwork(KSPGuess guess, GuessML *ctx, PetscLogDouble tos);
PetscErrorCode TrainingDone(KSPGuess guess, GuessML *ctx, const UpdateOutcome *o);

/* guess_ml_view.cpp */
PetscErrorCode MonitorLine(KSPGuess guess, GuessML *ctx, const char *decision, const UpdateOutcome *o, PetscInt its, PetscReal ek, PetscLogDouble tos);
PetscErrorCode KSPGuessView_ML(KSPGuess guess, PetscViewer viewer);

} // namespace mlguess
