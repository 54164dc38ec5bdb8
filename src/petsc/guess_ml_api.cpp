// The ml guess's C setters and getters (petscmlgmres.h), generated from the
// option table, and the few written out.
#include <petsc/private/kspimpl.h>

#include "guess_ml.hpp"
#include "guess_ml_state.hpp"

namespace mlguess {

PetscErrorCode GetML(KSPGuess guess, GuessML **ctx)
{
  PetscBool isml;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(guess, KSPGUESS_CLASSID, 1);
  PetscCall(KSPGuessIsML_Internal(guess, &isml));
  PetscCheck(isml, PetscObjectComm((PetscObject)guess), PETSC_ERR_ARG_WRONG, "KSPGuess is of type %s, not " KSPGUESSML, ((PetscObject)guess)->type_name);
  *ctx = (GuessML *)guess->data;
  PetscFunctionReturn(PETSC_SUCCESS);
}

} // namespace mlguess

using namespace mlguess;

/* Setters and getters, generated from the option table. */
#define ML_INT_ACCESSORS(Fn, member, option, help, lo, hi)                                                                                    \
  PetscErrorCode KSPGuessMLSet##Fn(KSPGuess guess, PetscInt v)                                                                                \
  {                                                                                                                                           \
    GuessML *ctx;                                                                                                                             \
    PetscFunctionBegin;                                                                                                                       \
    PetscCall(GetML(guess, &ctx));                                                                                                            \
    PetscCall(MLOptionsCheckInt(PetscObjectComm((PetscObject)guess), "KSPGuessMLSet" #Fn " (option -ksp_guess_ml_" option ")", v, lo, hi)); \
    if ((PetscInt)ctx->opts.member != v) ctx->opts.member = v, ctx->rebuild = PETSC_TRUE;                                                    \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                                                       \
  }                                                                                                                                           \
  PetscErrorCode KSPGuessMLGet##Fn(KSPGuess guess, PetscInt *v)                                                                               \
  {                                                                                                                                           \
    GuessML *ctx;                                                                                                                             \
    PetscFunctionBegin;                                                                                                                       \
    PetscCall(GetML(guess, &ctx));                                                                                                            \
    *v = (PetscInt)ctx->opts.member;                                                                                                          \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                                                       \
  }
#define ML_REAL_ACCESSORS(Fn, member, option, help, lo, hi)                                                                  \
  PetscErrorCode KSPGuessMLSet##Fn(KSPGuess guess, PetscReal v)                                                              \
  {                                                                                                                          \
    GuessML *ctx;                                                                                                            \
    PetscFunctionBegin;                                                                                                      \
    PetscCall(GetML(guess, &ctx));                                                                                           \
    PetscCheck(v >= (lo) && v <= (hi), PetscObjectComm((PetscObject)guess), PETSC_ERR_ARG_OUTOFRANGE,                         \
               "KSPGuessMLSet" #Fn " (option -ksp_guess_ml_" option "): %g is out of range [%g, %g]", (double)v, (double)(lo), (double)(hi)); \
    if ((PetscReal)ctx->opts.member != v) ctx->opts.member = v, ctx->rebuild = PETSC_TRUE;                                  \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                                      \
  }                                                                                                                          \
  PetscErrorCode KSPGuessMLGet##Fn(KSPGuess guess, PetscReal *v)                                                             \
  {                                                                                                                          \
    GuessML *ctx;                                                                                                            \
    PetscFunctionBegin;                                                                                                      \
    PetscCall(GetML(guess, &ctx));                                                                                           \
    *v = (PetscReal)ctx->opts.member;                                                                                        \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                                      \
  }
#define ML_STRING_ACCESSORS(Fn, member, option, help)                                                               \
  PetscErrorCode KSPGuessMLSet##Fn(KSPGuess guess, const char v[])                                                  \
  {                                                                                                                 \
    GuessML *ctx;                                                                                                   \
    PetscFunctionBegin;                                                                                             \
    PetscCall(GetML(guess, &ctx));                                                                                  \
    PetscCall(MLOptionsCheckString(PetscObjectComm((PetscObject)guess), "KSPGuessMLSet" #Fn, option, v));          \
    if (ctx->opts.member != v) ctx->opts.member = v, ctx->rebuild = PETSC_TRUE;                                     \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                             \
  }                                                                                                                 \
  PetscErrorCode KSPGuessMLGet##Fn(KSPGuess guess, const char **v)                                                  \
  {                                                                                                                 \
    GuessML *ctx;                                                                                                   \
    PetscFunctionBegin;                                                                                             \
    PetscCall(GetML(guess, &ctx));                                                                                  \
    *v = ctx->opts.member.c_str();                                                                                  \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                             \
  }
MLGMRES_INT_OPTIONS(ML_INT_ACCESSORS)
MLGMRES_REAL_OPTIONS(ML_REAL_ACCESSORS)
MLGMRES_STRING_OPTIONS(ML_STRING_ACCESSORS)

PetscErrorCode KSPGuessMLSetMonitor(KSPGuess guess, PetscBool flg)
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  ctx->opts.monitor = flg;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLGetMonitor(KSPGuess guess, PetscBool *flg)
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  *flg = ctx->opts.monitor;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLSetScaling(KSPGuess guess, const char scaling[])
{
  GuessML  *ctx;
  PetscInt  i;
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  PetscCall(PetscEListFind(3, MLScalingTypes, scaling, &i, &found));
  PetscCheck(found, PetscObjectComm((PetscObject)guess), PETSC_ERR_ARG_UNKNOWN_TYPE, "KSPGuessMLSetScaling (option -ksp_guess_ml_scaling): unknown scaling '%s' (allowed: energy, residual, none)", scaling);
  ctx->opts.scaling = (MLScaling)i;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLSetSaveFile(KSPGuess guess, const char file[])
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  PetscCall(MLOptionsCheckWritable(PetscObjectComm((PetscObject)guess), "KSPGuessMLSetSaveFile", file ? file : ""));
  ctx->opts.save_file = file ? file : "";
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLSetLoadFile(KSPGuess guess, const char file[])
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  ctx->opts.load_file = file ? file : "";
  ctx->loaded         = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLSetCheckpointInterval(KSPGuess guess, PetscInt every)
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  PetscCall(MLOptionsCheckInt(PetscObjectComm((PetscObject)guess), "KSPGuessMLSetCheckpointInterval (option -ksp_guess_ml_checkpoint_every)", every, 0, PETSC_MAX_INT));
  ctx->opts.checkpoint_every = every;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLGetStats(KSPGuess guess, KSPGuessMLStats *stats)
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  *stats = ctx->stats;
  PetscFunctionReturn(PETSC_SUCCESS);
}
