# cmake --install: the library, public headers, a CMake package
# (find_package(MLGMRES) -> MLGMRES::mlgmres) and a pkg-config file.
include(CMakePackageConfigHelpers)

# Installed, the plugin keeps the run path to the PETSc (and LibTorch) it was
# linked with when they lie outside the system's directories (a PETSc built
# from source): loaded with -dll_append, it must not pick up another PETSc.
set_target_properties(mlgmres mlgmres_engine PROPERTIES INSTALL_RPATH_USE_LINK_PATH TRUE)
install(TARGETS mlgmres EXPORT MLGMRESTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The engine beside the plugin: the plugin loads it from its own directory.
install(TARGETS mlgmres_engine LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/petscmlgmres.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/mlgmres DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(MLGMRES_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/MLGMRES)
install(EXPORT MLGMRESTargets NAMESPACE MLGMRES:: DESTINATION ${MLGMRES_CMAKE_DIR})
configure_package_config_file(config/MLGMRESConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/MLGMRESConfig.cmake
  INSTALL_DESTINATION ${MLGMRES_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/MLGMRESConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/MLGMRESConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/MLGMRESConfigVersion.cmake
  config/cmake/FindPETSc.cmake DESTINATION ${MLGMRES_CMAKE_DIR})

configure_file(config/mlgmres.pc.in ${CMAKE_CURRENT_BINARY_DIR}/mlgmres.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mlgmres.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
