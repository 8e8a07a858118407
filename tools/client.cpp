#include "tools/client.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include <httplib.h>
#include <toml++/toml.h>

namespace tunemantra::tmctl {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::filesystem::path config_file() {
  if (auto explicit_path = env("TMCTL_CONFIG"); !explicit_path.empty())
    return explicit_path;
  if (auto xdg = env("XDG_CONFIG_HOME"); !xdg.empty())
    return std::filesystem::path(xdg) / "tmctl" / "config.toml";
  if (auto home = env("HOME"); !home.empty())
    return std::filesystem::path(home) / ".config" / "tmctl" / "config.toml";
  return {};
}

} // namespace

settings resolve_settings(const std::string& url_flag, const std::string& key_flag) {
  settings out{url_flag, key_flag};
  if (out.url.empty())
    out.url = env("TMCTL_URL");
  if (out.api_key.empty())
    out.api_key = env("TMCTL_API_KEY");
  if (out.url.empty() || out.api_key.empty()) {
    const auto path = config_file();
    std::error_code ec;
    if (!path.empty() && std::filesystem::exists(path, ec)) {
      try {
        const auto table = toml::parse_file(path.string());
        if (out.url.empty())
          out.url = table["url"].value_or(std::string{});
        if (out.api_key.empty())
          out.api_key = table["api_key"].value_or(std::string{});
      } catch (const toml::parse_error& e) {
        throw command_error(exit_usage, path.string() + ": " + std::string(e.description()));
      }
    }
  }
  if (out.url.empty())
    out.url = "http://127.0.0.1:8080";
  while (out.url.ends_with('/'))
    out.url.pop_back();
  if (!out.url.starts_with("http://") && !out.url.starts_with("https://"))
    throw command_error(exit_usage, "the URL must start with http:// or https:// (got " + out.url + ")");
  return out;
}

struct client::impl {
  explicit impl(const std::string& url) : http(url) {}
  httplib::Client http;
};

client::client(settings s) : settings_(std::move(s)), impl_(new impl(settings_.url)) {
  impl_->http.set_connection_timeout(5);
  impl_->http.set_read_timeout(30);
  impl_->http.set_keep_alive(true);
  if (!impl_->http.is_valid())
    throw command_error(exit_usage, "cannot use the URL " + settings_.url);
}

client::~client() { delete impl_; }

void client::set_read_timeout_seconds(int seconds) { impl_->http.set_read_timeout(seconds); }

namespace {

httplib::Headers request_headers(const settings& settings_, const std::map<std::string, std::string>& extra) {
  httplib::Headers headers{{"Accept", "application/json"}, {"User-Agent", "tmctl/" TM_VERSION}};
  if (!settings_.api_key.empty())
    headers.emplace("Authorization", "Bearer " + settings_.api_key);
  for (const auto& [k, v] : extra)
    headers.emplace(k, v);
  return headers;
}

answer finish(httplib::Result& r, const settings& settings_) {
  if (!r)
    throw command_error(exit_failure, "cannot reach tunemantrad at " + settings_.url + ": " + httplib::to_string(r.error()));

  answer a;
  a.status = r->status;
  for (const auto& [k, v] : r->headers)
    a.headers[k] = v;
  if (!r->body.empty()) {
    a.body = json::parse(r->body, nullptr, false);
    if (a.body.is_discarded())
      a.body = json{{"text", r->body}};
  }
  if ((a.status >= 200 && a.status < 300) || a.status == 304)
    return a;

  std::string code = "HTTP_" + std::to_string(a.status), message = r->reason;
  if (a.body.is_object() && a.body.contains("error") && a.body["error"].is_object()) {
    const auto& e = a.body["error"];
    code = e.value("code", code);
    message = e.value("message", message);
    if (e.contains("details") && !e["details"].is_null() && !e["details"].empty())
      message += "\n" + e["details"].dump(2);
  }
  throw command_error(a.status == 404 ? exit_not_found : exit_failure, code + ": " + message);
}

} // namespace

answer client::call(const std::string& method, const std::string& path, const std::optional<json>& body,
                    const std::map<std::string, std::string>& extra) {
  const auto headers = request_headers(settings_, extra);
  const std::string text = body ? body->dump() : "";
  httplib::Result r{nullptr, httplib::Error::Unknown};
  if (method == "GET")
    r = impl_->http.Get(path, headers);
  else if (method == "POST")
    r = impl_->http.Post(path, headers, text, "application/json");
  else if (method == "PATCH")
    r = impl_->http.Patch(path, headers, text, "application/json");
  else if (method == "PUT")
    r = impl_->http.Put(path, headers, text, "application/json");
  else if (method == "DELETE")
    r = impl_->http.Delete(path, headers);
  else
    throw std::logic_error("tmctl: unknown method " + method);
  return finish(r, settings_);
}



answer client::upload(const std::string& path, const std::string& file, const std::string& content_type) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  if (ec || !*in)
    throw command_error(exit_usage, "cannot read " + file);
  auto r = impl_->http.Post(
    path, request_headers(settings_, {}), static_cast<std::size_t>(size),
    [in](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
      std::vector<char> buf(std::min<std::size_t>(length, 1 << 20));
      in->seekg(static_cast<std::streamoff>(offset));
      in->read(buf.data(), static_cast<std::streamsize>(buf.size()));
      return in->gcount() > 0 && sink.write(buf.data(), static_cast<std::size_t>(in->gcount()));
    },
    content_type);
  return finish(r, settings_);
}

std::string client::get_text(const std::string& path, const std::string& accept) {
  auto h = request_headers(settings_, {});
  h.erase("Accept");
  h.emplace("Accept", accept);
  auto r = impl_->http.Get(path, h);
  if (r && r->status >= 200 && r->status < 300)
    return r->body;
  finish(r, settings_); // throws the error
  return {};
}

} // namespace tunemantra::tmctl
