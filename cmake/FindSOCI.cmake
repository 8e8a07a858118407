# FindSOCI: locates SOCI 4 (core, sqlite3 and postgresql backends) with find_library.
# Defines SOCI::core, SOCI::sqlite3, SOCI::postgresql. SOCI's headers need Boost headers and libpq's.
find_path(SOCI_INCLUDE_DIR NAMES soci/soci.h)
find_path(SOCI_PQ_INCLUDE_DIR NAMES libpq-fe.h PATH_SUFFIXES postgresql)
find_path(Boost_CONFIG_INCLUDE_DIR NAMES boost/version.hpp)
find_library(SOCI_CORE_LIBRARY NAMES soci_core)
find_library(SOCI_SQLITE3_LIBRARY NAMES soci_sqlite3)
find_library(SOCI_POSTGRESQL_LIBRARY NAMES soci_postgresql)
find_library(SOCI_PQ_LIBRARY NAMES pq)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI
  REQUIRED_VARS SOCI_INCLUDE_DIR SOCI_PQ_INCLUDE_DIR Boost_CONFIG_INCLUDE_DIR SOCI_CORE_LIBRARY
                SOCI_SQLITE3_LIBRARY SOCI_POSTGRESQL_LIBRARY SOCI_PQ_LIBRARY)

if(SOCI_FOUND AND NOT TARGET SOCI::core)
  add_library(SOCI::core UNKNOWN IMPORTED)
  set_target_properties(SOCI::core PROPERTIES
    IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR};${SOCI_PQ_INCLUDE_DIR};${Boost_CONFIG_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
  add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
  set_target_properties(SOCI::sqlite3 PROPERTIES
    IMPORTED_LOCATION "${SOCI_SQLITE3_LIBRARY}" INTERFACE_LINK_LIBRARIES SOCI::core)
  add_library(SOCI::postgresql UNKNOWN IMPORTED)
  set_target_properties(SOCI::postgresql PROPERTIES
    IMPORTED_LOCATION "${SOCI_POSTGRESQL_LIBRARY}" INTERFACE_LINK_LIBRARIES "SOCI::core;${SOCI_PQ_LIBRARY}")
endif()
mark_as_advanced(SOCI_INCLUDE_DIR SOCI_PQ_INCLUDE_DIR SOCI_CORE_LIBRARY SOCI_SQLITE3_LIBRARY
                 SOCI_POSTGRESQL_LIBRARY SOCI_PQ_LIBRARY)
