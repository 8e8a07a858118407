#include "http/router.hpp"

#include <algorithm>

namespace tunemantra::http {
namespace {

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1; // paths start with '/'
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos)
      slash = path.size();
    out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool is_param(const std::string& segment) { return segment.size() > 2 && segment.front() == '{'; }

bool is_id(std::string_view s) {
  if (s.empty() || s.size() > 18 || s[0] == '0')
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool segments_match(const route& r, const std::vector<std::string>& parts, path_params* params) {
  if (parts.size() != r.segments.size())
    return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (is_param(r.segments[i])) {
      if (!is_id(parts[i]))
        return false;
      if (params)
        params->push_back(parts[i]);
    } else if (parts[i] != r.segments[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

void router::add(std::string method, std::string path, access who, handler fn, std::size_t max_body) {
  route r;
  r.method = std::move(method);
  r.who = std::move(who);
  r.segments = split(path);
  r.path = std::move(path);
  r.max_body = max_body ? max_body : default_max_body_;
  r.fn = std::move(fn);
  routes_.push_back(std::move(r));
}

void router::add_upload(std::string method, std::string path, access who, upload_handler fn, std::size_t max_body) {
  add(std::move(method), std::move(path), std::move(who), nullptr, max_body);
  routes_.back().upload = std::move(fn);
}

const route* router::match(std::string_view method, std::string_view path, path_params& params) const {
  if (path.empty() || path.front() != '/')
    return nullptr;
  const auto parts = split(path);
  const std::string_view wanted = method == "HEAD" ? "GET" : method; // HEAD is GET without the body (RFC 9110 §9.3.2)
  for (const auto& r : routes_) {
    if (r.method != wanted)
      continue;
    params.clear();
    if (segments_match(r, parts, &params))
      return &r;
  }
  params.clear();
  return nullptr;
}

std::vector<std::string> router::methods_for(std::string_view path) const {
  std::vector<std::string> out;
  if (path.empty() || path.front() != '/')
    return out;
  const auto parts = split(path);
  for (const auto& r : routes_)
    if (segments_match(r, parts, nullptr) && std::find(out.begin(), out.end(), r.method) == out.end()) {
      out.push_back(r.method);
      if (r.method == "GET")
        out.push_back("HEAD");
    }
  return out;
}

std::size_t router::largest_body() const {
  std::size_t out = default_max_body_;
  for (const auto& r : routes_)
    out = std::max(out, r.max_body);
  return out;
}

} // namespace tunemantra::http
