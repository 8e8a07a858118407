#pragma once
// The connectors registry.cpp lists. A new connector: its own file defining one of these, a line
// here, a line in registry.cpp's table and its file in actors/CMakeLists.txt.

#include "actors/connectors/connector.hpp"

namespace tunemantra::actors {

const connector& ddex_folder();
const connector& sftp();
const connector& http_post();

} // namespace tunemantra::actors
