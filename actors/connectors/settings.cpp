#include "actors/connectors/settings.hpp"

namespace tunemantra::actors::settings {

std::string text(const nlohmann::json& in, const char* key, bool required, std::size_t max) {
  if (!in.contains(key) || in[key].is_null()) {
    if (required)
      throw invalid_settings(key, "is required");
    return {};
  }
  if (!in[key].is_string())
    throw invalid_settings(key, "must be a string");
  auto value = in[key].get<std::string>();
  if (value.empty() && required)
    throw invalid_settings(key, "must not be empty");
  if (value.size() > max)
    throw invalid_settings(key, "must be at most " + std::to_string(max) + " bytes");
  return value;
}

std::string absolute_path(const nlohmann::json& in, const char* key, bool required) {
  auto value = text(in, key, required);
  if (!value.empty() && value.front() != '/')
    throw invalid_settings(key, "must be an absolute path");
  if (value.find("/../") != std::string::npos || value.ends_with("/.."))
    throw invalid_settings(key, "must not contain ..");
  return value;
}

int integer(const nlohmann::json& in, const char* key, int fallback, int min, int max) {
  if (!in.contains(key) || in[key].is_null())
    return fallback;
  if (!in[key].is_number_integer() || in[key].get<long long>() < min || in[key].get<long long>() > max)
    throw invalid_settings(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return in[key].get<int>();
}

bool flag(const nlohmann::json& in, const char* key, bool fallback) {
  if (!in.contains(key) || in[key].is_null())
    return fallback;
  if (!in[key].is_boolean())
    throw invalid_settings(key, "must be true or false");
  return in[key].get<bool>();
}

std::string stored(const nlohmann::json& in, const char* key) {
  return in.contains(key) && in[key].is_string() ? in[key].get<std::string>() : std::string();
}

} // namespace tunemantra::actors::settings
