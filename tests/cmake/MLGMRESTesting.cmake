# One helper registers every PETSc run of the suite under mpiexec.
#
# mlgmres_add_petsc_test(NAME <name> RANKS <n>... COMMAND <exe> [args...]
#                        [DRIVER <script> [driver args...] --]
#                        [PASS_REGULAR_EXPRESSION <re>] [FAIL_REGULAR_EXPRESSION <re>])
# registers <name>_np<n> for each rank count. With DRIVER, the test runs
# `<script> <driver args> -- mpiexec ... <exe> <args>` so the script can run the
# program several times (baseline vs plugin) and compare.
# MPICH (ch4:ucx) waits for messages by spinning and never yields the core: a
# run with more ranks than cores crawls (4 ranks on 2 cores: linked_app over
# 300 s against 4 s on 2 ranks). Open MPI, told it is oversubscribed, yields.
# So under MPICH rank counts beyond the machine's cores are not registered.
if("${MPI_C_LIBRARIES}" MATCHES "mpich")
  set(MLGMRES_MPI_IS_MPICH TRUE)
  cmake_host_system_information(RESULT MLGMRES_MAX_RANKS QUERY NUMBER_OF_LOGICAL_CORES)
  message(STATUS "MPICH: tests run at most ${MLGMRES_MAX_RANKS} ranks (the cores)")
else()
  set(MLGMRES_MPI_IS_MPICH FALSE)
  set(MLGMRES_MAX_RANKS 1000000)
endif()
# PETSc's mpiexec as its configure recorded it (Debian's: Open MPI's with
# --oversubscribe; MPICH's Hydra runs more ranks than cores unasked).
if(PETSC_MPIEXEC_COMMAND)
  set(MLGMRES_MPIEXEC ${PETSC_MPIEXEC_COMMAND} ${MPIEXEC_PREFLAGS})
  if(MLGMRES_MPI_IS_MPICH)
    # Bound to a core each, as Open MPI binds 1-2 ranks: the learner then sizes
    # its threads to one core. Unbound, a rank takes the node's cores and its
    # training threads spin against the test ctest runs beside it (model
    # choice run, 2 at once: 12.2 s unbound, 5.5 s bound; alone 2.4 s either way).
    list(APPEND MLGMRES_MPIEXEC -bind-to core)
  endif()
else()
  set(MLGMRES_MPIEXEC ${MPIEXEC_EXECUTABLE} ${MPIEXEC_PREFLAGS} --oversubscribe)
endif()
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
    if(np GREATER MLGMRES_MAX_RANKS)
      continue()
    endif()
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
