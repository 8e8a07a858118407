#pragma once
// Reading a connector's JSON settings: each helper throws invalid_settings naming the field.

#include <string>

#include <nlohmann/json.hpp>

#include "actors/connectors/connector.hpp"

namespace tunemantra::actors::settings {

/// A non-empty string of at most `max` bytes; "" when absent and not required.
std::string text(const nlohmann::json& in, const char* key, bool required, std::size_t max = 1000);
/// An absolute path ("/..."): a folder on this machine or on the platform's server.
std::string absolute_path(const nlohmann::json& in, const char* key, bool required);
/// An integer in [min, max]; `fallback` when absent.
int integer(const nlohmann::json& in, const char* key, int fallback, int min, int max);
/// A boolean; `fallback` when absent.
bool flag(const nlohmann::json& in, const char* key, bool fallback);
/// The string, or "" when absent or not a string (stored settings, already checked).
std::string stored(const nlohmann::json& in, const char* key);

} // namespace tunemantra::actors::settings
