// The two BLAS/LAPACK routines the basis uses, declared once (Fortran
// interface; the project links LAPACK_LIBRARIES). Column-major, by reference.
#pragma once

extern "C" {
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work, const int *lwork, int *info);
void dgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k, const double *alpha, const double *a, const int *lda, const double *b, const int *ldb, const double *beta, double *c, const int *ldc);
}
