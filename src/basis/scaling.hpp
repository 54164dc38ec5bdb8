// How the basis Q of earlier solutions and the network output w become the
// initial guess (projection.hpp).
#pragma once

typedef enum {
  ML_SCALING_ENERGY,   // Galerkin in span{Q, w}: best in the A-norm for SPD A
  ML_SCALING_RESIDUAL, // least squares in span{Q, w}: best in the residual norm
  ML_SCALING_NONE      // w itself
} MLScaling;
