#include "domain/sleep_job.hpp"

#include <nlohmann/json.hpp>

namespace tunemantra::domain {
namespace {

bool read_int(const nlohmann::json& j, const char* key, int min, int max, int& out, std::string& error) {
  if (!j.contains(key))
    return true; // optional: keep the default
  const auto& v = j.at(key);
  if (!v.is_number_integer()) {
    error = std::string(key) + " must be an integer";
    return false;
  }
  const auto value = v.get<long long>();
  if (value < min || value > max) {
    error = std::string(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max);
    return false;
  }
  out = static_cast<int>(value);
  return true;
}

} // namespace

std::optional<sleep_spec> parse_sleep_spec(std::string_view payload, std::string& error) {
  const auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "payload must be a JSON object";
    return std::nullopt;
  }
  sleep_spec spec;
  if (!read_int(j, "steps", 1, 100000, spec.steps, error) || !read_int(j, "stepMs", 0, 60000, spec.step_ms, error)
      || !read_int(j, "crashTimes", 0, 1000, spec.crash_times, error)
      || !read_int(j, "crashAtStep", 1, 100000, spec.crash_at_step, error))
    return std::nullopt;
  if (j.contains("crashSame")) {
    if (!j["crashSame"].is_boolean()) {
      error = "crashSame must be true or false";
      return std::nullopt;
    }
    spec.crash_same = j["crashSame"].get<bool>();
  }
  return spec;
}

bool sleep_should_crash(const sleep_spec& spec, int attempt, int step) {
  return attempt <= spec.crash_times && step == spec.crash_at_step;
}

} // namespace tunemantra::domain
