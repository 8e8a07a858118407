#pragma once
// Benchmark command lines: `--name value` pairs, read once, with defaults at the point of use.

#include <map>
#include <string>

namespace tunemantra::bench {

class flags {
public:
  flags(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; i += 2)
      values_[argv[i]] = argv[i + 1];
  }
  std::string text(const std::string& name, const std::string& fallback = "") const {
    const auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  long long number(const std::string& name, long long fallback) const {
    const auto it = values_.find(name);
    return it == values_.end() ? fallback : std::stoll(it->second);
  }

private:
  std::map<std::string, std::string> values_;
};

} // namespace tunemantra::bench
