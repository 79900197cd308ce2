# Installation and the Debian package (issue 17).
#   cmake --install build/release --prefix PREFIX
#     PREFIX/bin/resonant, PREFIX/share/man/man1/resonant.1.gz (help2man, from --help),
#     PREFIX/lib/python3/dist-packages/resonant (when the Python module is built).
#   cd build/release && cpack -G DEB
#     resonant_<version>_<arch>.deb for /usr; its Depends are the Debian packages of the shared
#     libraries it links (dpkg-shlibdeps, from dpkg-dev) plus the module's Python and NumPy.
include(GNUInstallDirs)

install(TARGETS resonant RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT cli)

# The man page, generated from the built program's --help at build time (help2man), with a
# COMMANDS section holding each subcommand's --help.
find_program(HELP2MAN_EXECUTABLE help2man)
find_program(GZIP_EXECUTABLE gzip)
if(HELP2MAN_EXECUTABLE AND GZIP_EXECUTABLE)
  set(resonant_man "${CMAKE_BINARY_DIR}/man/resonant.1")
  add_custom_command(
    OUTPUT "${resonant_man}.gz"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${CMAKE_BINARY_DIR}/man"
    COMMAND ${CMAKE_COMMAND} -DRESONANT=$<TARGET_FILE:resonant>
            -DOUT=${CMAKE_BINARY_DIR}/man/commands.h2m
            -P ${PROJECT_SOURCE_DIR}/cmake/resonant_man_commands.cmake
    COMMAND ${CMAKE_COMMAND} -E env RESONANT_HOME=${CMAKE_BINARY_DIR}/man/home
            ${HELP2MAN_EXECUTABLE} --no-info --no-discard-stderr
            --version-string=${PROJECT_VERSION}
            "--name=HRV analysis and paced-breathing biofeedback"
            --include=${CMAKE_BINARY_DIR}/man/commands.h2m
            --output=${resonant_man} $<TARGET_FILE:resonant>
    COMMAND ${GZIP_EXECUTABLE} -9 -n -f ${resonant_man}
    DEPENDS resonant "${PROJECT_SOURCE_DIR}/cmake/resonant_man_commands.cmake"
    COMMENT "Man page resonant.1 from resonant --help (help2man)"
    VERBATIM)
  add_custom_target(resonant_man ALL DEPENDS "${resonant_man}.gz")
  install(FILES "${resonant_man}.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT cli)
else()
  message(STATUS "No man page: help2man or gzip not found")
endif()

set(CPACK_PACKAGE_NAME resonant)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "Resonant")
set(CPACK_PACKAGE_CONTACT "Resonant maintainers <resonant@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HRV analysis and paced-breathing biofeedback engine")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "resonant analyses heart rate variability (RR intervals, WFDB, ECG / PPG) under Kubios or\n"
  "NeuroKit2 profiles, replays recordings through a streaming engine, and runs paced-breathing\n"
  "biofeedback sessions. Includes the Python module `resonant`.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # resonant_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends from the linked shared libraries
set(CPACK_STRIP_FILES ON)
if(resonant_with_python)
  # The extension is built for one CPython minor version (its ABI tag names it).
  math(EXPR resonant_python_next "${Python3_VERSION_MINOR} + 1")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "python3 (>= ${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}), python3 (<< ${Python3_VERSION_MAJOR}.${resonant_python_next}), python3-numpy")
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3-pandas, man-db")
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-dask, python3-distributed")
endif()
include(CPack)
