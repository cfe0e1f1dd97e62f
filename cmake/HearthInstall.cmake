# Install rules and the CMake package: find_package(Hearth) gives Hearth::sdk and
# hearth_add_plugin(), so plugins and packs build out of tree.
include(CMakePackageConfigHelpers)

install(TARGETS hearth RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
# Hearth's private folders are fixed relative to bin/ (hearth finds them from its own path), so
# they do not follow GNUInstallDirs' multiarch LIBDIR.
install(TARGETS hearth-plugin-scanner RUNTIME DESTINATION libexec/hearth COMPONENT runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/hearth DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk)
# The Fortran module's source: a program compiles it with its own compiler (.mod files are not portable).
install(FILES ${PROJECT_SOURCE_DIR}/sdk/fortran/hearth_f.f90 DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hearth COMPONENT sdk)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plugin-template/ DESTINATION share/hearth/plugin-template
        COMPONENT sdk PATTERN "build" EXCLUDE)

install(TARGETS hearth_sdk EXPORT HearthTargets)
set(HEARTH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Hearth)
install(EXPORT HearthTargets NAMESPACE Hearth:: DESTINATION ${HEARTH_CMAKE_DIR} COMPONENT sdk)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/HearthConfig.cmake.in
  ${PROJECT_BINARY_DIR}/HearthConfig.cmake INSTALL_DESTINATION ${HEARTH_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/HearthConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/HearthConfig.cmake ${PROJECT_BINARY_DIR}/HearthConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/HearthPlugin.cmake DESTINATION ${HEARTH_CMAKE_DIR} COMPONENT sdk)

# The build tree has the install layout too, so `hearth new` finds its template from build/bin.
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/share/hearth)
add_custom_target(hearth_share_template ALL
  COMMAND ${CMAKE_COMMAND} -E copy_directory ${PROJECT_SOURCE_DIR}/plugin-template
          ${PROJECT_BINARY_DIR}/share/hearth/plugin-template
  COMMENT "Copying the plugin template into the build tree")
