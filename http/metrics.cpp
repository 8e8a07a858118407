#include "http/metrics.hpp"

#include <cstdio>

namespace tunemantra::http {

void metric_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void request_metrics::observe(std::string_view route, std::string_view method, int status, double seconds) {
  std::lock_guard guard{mutex_};
  ++requests_[{std::string(route), std::string(method), status}];
  auto& h = latency_[{std::string(route), std::string(method)}];
  for (std::size_t i = 0; i < buckets.size(); ++i)
    if (seconds <= buckets[i])
      ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void request_metrics::render(std::string& out) const {
  std::lock_guard guard{mutex_};
  metric_header(out, "tunemantra_http_requests_total", "counter", "HTTP requests by route, method and status.");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "tunemantra_http_requests_total{route=\"" + label_value(route) + "\",method=\"" + method
           + "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  metric_header(out, "tunemantra_http_request_duration_seconds", "histogram",
                "Time from request received to response written.");
  char num[64];
  for (const auto& [key, h] : latency_) {
    const auto labels = "route=\"" + label_value(key.first) + "\",method=\"" + key.second + "\"";
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      std::snprintf(num, sizeof num, "%g", buckets[i]);
      out += "tunemantra_http_request_duration_seconds_bucket{" + labels + ",le=\"" + num + "\"} "
             + std::to_string(h.counts[i]) + "\n";
    }
    out += "tunemantra_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count)
           + "\n";
    std::snprintf(num, sizeof num, "%.6f", h.sum);
    out += "tunemantra_http_request_duration_seconds_sum{" + labels + "} " + num + "\n";
    out += "tunemantra_http_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) + "\n";
  }
}

} // namespace tunemantra::http
