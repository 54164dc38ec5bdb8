/*
   libmlgmres: GMRES with an initial guess learned online by a neural network.

   Load into any PETSc program with  -dll_append /path/libmlgmres.so  and select
   -ksp_type mlgmres  (PETSc's GMRES plus the learned guess) or
   -ksp_guess_type ml (the learned guess under any KSP). Programs that link the
   library call MLGMRESInitializePackage() and then KSPSetType(ksp, KSPMLGMRES).
*/
#ifndef PETSCMLGMRES_H
#define PETSCMLGMRES_H

#include <petscksp.h>

#define KSPMLGMRES "mlgmres"
#define KSPGUESSML "ml"

PETSC_EXTERN PetscErrorCode MLGMRESInitializePackage(void);
PETSC_EXTERN PetscErrorCode MLGMRESFinalizePackage(void);

PETSC_EXTERN PetscErrorCode KSPCreate_MLGMRES(KSP);
PETSC_EXTERN PetscErrorCode KSPGuessCreate_ML(KSPGuess);

/* The ml guess a KSPMLGMRES solver uses (NULL if its guess was replaced). */
PETSC_EXTERN PetscErrorCode KSPMLGMRESGetGuess(KSP, KSPGuess *);

/* Setters and getters mirroring the options -ksp_guess_ml_<name> and
   -ksp_mlgmres_<name>; see README.md for the table. Changing a setting after
   the learner was built (first solve) rebuilds it from scratch. */
PETSC_EXTERN PetscErrorCode KSPGuessMLSetWarmup(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetWarmup(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetWindow(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetWindow(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetRetrainFrequency(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetRetrainFrequency(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetTrainingSteps(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetTrainingSteps(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetBatchSize(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetBatchSize(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetCapacity(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetCapacity(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetRecent(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetRecent(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetPayoffWindow(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetPayoffWindow(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetMaxBlocks(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetMaxBlocks(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetGrowthPatience(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetGrowthPatience(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetChannels(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetChannels(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetLinearMax(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetLinearMax(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetThreads(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetThreads(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetProbeIterations(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetProbeIterations(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetSeed(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetSeed(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetSubspace(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetSubspace(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetCarry(KSPGuess, PetscInt);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetCarry(KSPGuess, PetscInt *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetBasisMiB(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetBasisMiB(KSPGuess, PetscReal *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetUpkeepShare(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetUpkeepShare(KSPGuess, PetscReal *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetOrthogonalityThreshold(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetOrthogonalityThreshold(KSPGuess, PetscReal *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetLearningRate(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetLearningRate(KSPGuess, PetscReal *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetTrainingBudget(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetTrainingBudget(KSPGuess, PetscReal *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetCapacityMiB(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetCapacityMiB(KSPGuess, PetscReal *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetDivergenceFactor(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetDivergenceFactor(KSPGuess, PetscReal *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetGrowthTolerance(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetGrowthTolerance(KSPGuess, PetscReal *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetLeakySlope(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetLeakySlope(KSPGuess, PetscReal *);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetBoundaryWidth(KSPGuess, PetscReal);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetBoundaryWidth(KSPGuess, PetscReal *);
/* Getters of string settings return a pointer valid until the setting changes. */
PETSC_EXTERN PetscErrorCode KSPGuessMLSetModel(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetModel(KSPGuess, const char **);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetDevice(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetDevice(KSPGuess, const char **);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetPrecision(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetPrecision(KSPGuess, const char **);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetOptimizer(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetOptimizer(KSPGuess, const char **);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetLoss(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetLoss(KSPGuess, const char **);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetModels(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetModels(KSPGuess, const char **);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetTrainingMode(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetTrainingMode(KSPGuess, const char **);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetMonitor(KSPGuess, PetscBool);
PETSC_EXTERN PetscErrorCode KSPGuessMLGetMonitor(KSPGuess, PetscBool *);

/* How x0 is formed in the span of the basis of earlier converged solutions
   (at most `subspace` directions) and, once trained, the network output w:
   "energy" (default, Galerkin: (y, b - A x0) = 0 for every y in the span;
   symmetric operators, others get "residual"), "residual" (least squares:
   minimizes ||b - A x0||), "none" (x0 = w, no basis). */
PETSC_EXTERN PetscErrorCode KSPGuessMLSetScaling(KSPGuess, const char[]);

/* Checkpoint/restart: the file written at destroy (and every `every`
   trainings when every > 0), and the file the learner resumes from at its
   first solve. A missing, truncated, corrupted or mismatched file is an error
   that says which. */
PETSC_EXTERN PetscErrorCode KSPGuessMLSetSaveFile(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetLoadFile(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessMLSetCheckpointInterval(KSPGuess, PetscInt);

/* Counters of the learner, identical on all ranks. */
typedef struct {
  PetscInt solves;           /* converged solves seen */
  PetscInt trainings;        /* trainings run */
  PetscInt guesses_used;     /* solves started from the learned guess */
  PetscInt guesses_rejected; /* guesses discarded (non-finite, no residual reduction) */
  PetscInt training_set;     /* pairs in the training set */
  PetscBool active;          /* whether the network can serve this problem (the basis of earlier solutions always can) */
} KSPGuessMLStats;
PETSC_EXTERN PetscErrorCode KSPGuessMLGetStats(KSPGuess, KSPGuessMLStats *);

#endif
