# One helper registers every PETSc run of the suite under mpiexec.
#
# mlgmres_add_petsc_test(NAME <name> RANKS <n>... COMMAND <exe> [args...]
#                        [DRIVER <script> [driver args...] --]
#                        [PASS_REGULAR_EXPRESSION <re>] [FAIL_REGULAR_EXPRESSION <re>])
# registers <name>_np<n> for each rank count. With DRIVER, the test runs
# `<script> <driver args> -- mpiexec ... <exe> <args>` so the script can run the
# program several times (baseline vs plugin) and compare.
set(MLGMRES_MPIEXEC ${MPIEXEC_EXECUTABLE} ${MPIEXEC_PREFLAGS} --oversubscribe)
set(MLGMRES_TEST_ENV "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1")

function(mlgmres_add_petsc_test)
  cmake_parse_arguments(T "" "NAME;PASS_REGULAR_EXPRESSION;FAIL_REGULAR_EXPRESSION;TIMEOUT" "RANKS;COMMAND;DRIVER;LABELS" ${ARGN})
  if(NOT T_RANKS)
    set(T_RANKS 1)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  foreach(np IN LISTS T_RANKS)
    set(run ${MLGMRES_MPIEXEC} ${MPIEXEC_NUMPROC_FLAG} ${np} ${T_COMMAND})
    if(T_DRIVER)
      set(run ${T_DRIVER} -- ${run})
    endif()
    add_test(NAME ${T_NAME}_np${np} COMMAND ${run})
    set_tests_properties(${T_NAME}_np${np} PROPERTIES ENVIRONMENT "${MLGMRES_TEST_ENV}" TIMEOUT ${T_TIMEOUT}
      PROCESSORS ${np} LABELS "petsc;${T_LABELS}")
    if(T_PASS_REGULAR_EXPRESSION)
      set_tests_properties(${T_NAME}_np${np} PROPERTIES PASS_REGULAR_EXPRESSION "${T_PASS_REGULAR_EXPRESSION}")
    endif()
    if(T_FAIL_REGULAR_EXPRESSION)
      set_tests_properties(${T_NAME}_np${np} PROPERTIES FAIL_REGULAR_EXPRESSION "${T_FAIL_REGULAR_EXPRESSION}")
    endif()
  endforeach()
endfunction()
