# find_package(hyperparameter CONFIG) support for the C ABI library and the C++ header.
#
# Imported targets:
#   hyperparameter::hyperparameter  the standalone shared library (libhyperparameter_capi.so /
#                                   .dylib / .dll), when present: for programs without Python
#   hyperparameter::static          the standalone static library (libhyperparameter_capi.a),
#                                   when present: for programs without Python
#   hyperparameter::python          the Python package's native module (_native*.so next to the
#                                   cmake directory, as in an installed package), when present:
#                                   link a C++ Python extension with it, so that it shares the
#                                   store of the Python process instead of bringing a second one
# All carry the include directory and require C++17.
#
# Where the files are looked for, first match wins:
#   HYPERPARAMETER_LIBRARY_DIR (a cache variable or environment variable), for the libraries
#   <this dir>/../include and <this dir>/../lib   (an installed or packaged layout)
#   <this dir>/../../../target/release, .../debug (this file inside a source checkout)
# The installed Python package has that layout: its copy of this file is in
# `hyperparameter.cmake_dir`, the header in `include/` beside it, the standalone libraries in
# `lib/` (`hyperparameter.capi_lib`, `hyperparameter.capi_static_lib`) and the native module in
# the package directory itself, so it provides all three targets.
# Point CMake here with -Dhyperparameter_DIR=<this dir> or CMAKE_PREFIX_PATH.

get_filename_component(_hyperparameter_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
get_filename_component(_hyperparameter_checkout "${_hyperparameter_root}/../.." ABSOLUTE)

set(HYPERPARAMETER_LIBRARY_DIR "$ENV{HYPERPARAMETER_LIBRARY_DIR}" CACHE PATH
    "Directory holding the hyperparameter_capi libraries")
set(_hyperparameter_library_hints
    ${HYPERPARAMETER_LIBRARY_DIR}
    "${_hyperparameter_root}/lib"
    "${_hyperparameter_checkout}/target/release"
    "${_hyperparameter_checkout}/target/debug")

find_path(HYPERPARAMETER_INCLUDE_DIR hyperparameter.h
          HINTS "${_hyperparameter_root}/include" NO_DEFAULT_PATH)
find_library(HYPERPARAMETER_SHARED_LIBRARY NAMES hyperparameter_capi
             HINTS ${_hyperparameter_library_hints} NO_DEFAULT_PATH)
find_file(HYPERPARAMETER_STATIC_LIBRARY
          NAMES libhyperparameter_capi.a hyperparameter_capi.lib
          HINTS ${_hyperparameter_library_hints} NO_DEFAULT_PATH)

file(GLOB HYPERPARAMETER_PYTHON_MODULE "${_hyperparameter_root}/_native*.so")

# The header and one library are enough: the standalone shared library, or the native module
# alone (a Python package built without the standalone libraries provides hyperparameter::python
# only).
if(NOT HYPERPARAMETER_INCLUDE_DIR OR (NOT HYPERPARAMETER_SHARED_LIBRARY AND NOT HYPERPARAMETER_PYTHON_MODULE))
  set(hyperparameter_FOUND FALSE)
  set(hyperparameter_NOT_FOUND_MESSAGE
      "hyperparameter: header or shared library not found (looked in ${_hyperparameter_library_hints}); "
      "build it with `cargo build --release -p hyperparameter-capi` or set HYPERPARAMETER_LIBRARY_DIR")
  return()
endif()

include(CMakeFindDependencyMacro)
find_dependency(Threads)

if(HYPERPARAMETER_SHARED_LIBRARY AND NOT TARGET hyperparameter::hyperparameter)
  add_library(hyperparameter::hyperparameter SHARED IMPORTED)
  # The library has no soname (a build script setting one would leak into every cdylib that
  # depends on the crate, the Python module included), so it is linked by name (-l) rather
  # than by path: programs record `libhyperparameter_capi.so`, not the build directory.
  set_target_properties(hyperparameter::hyperparameter PROPERTIES
    IMPORTED_NO_SONAME TRUE
    IMPORTED_LOCATION "${HYPERPARAMETER_SHARED_LIBRARY}"
    IMPORTED_IMPLIB "${HYPERPARAMETER_SHARED_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${HYPERPARAMETER_INCLUDE_DIR}"
    INTERFACE_COMPILE_FEATURES cxx_std_17)
endif()

if(HYPERPARAMETER_STATIC_LIBRARY AND NOT TARGET hyperparameter::static)
  add_library(hyperparameter::static STATIC IMPORTED)
  # The Rust standard library inside the archive needs these system libraries.
  set(_hyperparameter_system_libraries Threads::Threads ${CMAKE_DL_LIBS})
  if(UNIX AND NOT APPLE)
    list(APPEND _hyperparameter_system_libraries m rt util)
  elseif(WIN32)
    list(APPEND _hyperparameter_system_libraries ws2_32 userenv bcrypt ntdll)
  endif()
  set_target_properties(hyperparameter::static PROPERTIES
    IMPORTED_LOCATION "${HYPERPARAMETER_STATIC_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${HYPERPARAMETER_INCLUDE_DIR}"
    INTERFACE_COMPILE_FEATURES cxx_std_17
    INTERFACE_LINK_LIBRARIES "${_hyperparameter_system_libraries}")
endif()

if(HYPERPARAMETER_PYTHON_MODULE AND NOT TARGET hyperparameter::python)
  list(GET HYPERPARAMETER_PYTHON_MODULE 0 _hyperparameter_python_module)
  add_library(hyperparameter::python SHARED IMPORTED)
  # The module's soname is `_native.abi3.so`, which is what the extension records. The
  # module is already loaded when an extension that links it is imported, and the loader
  # binds the extension to that copy by soname, so no run-time search path is needed.
  set_target_properties(hyperparameter::python PROPERTIES
    IMPORTED_LOCATION "${_hyperparameter_python_module}"
    INTERFACE_INCLUDE_DIRECTORIES "${HYPERPARAMETER_INCLUDE_DIR}"
    INTERFACE_COMPILE_FEATURES cxx_std_17)
endif()

set(hyperparameter_FOUND TRUE)
