#include "domain/auth.hpp"

#include <algorithm>
#include <array>

namespace tunemantra::domain {

std::string_view to_string(role r) {
  switch (r) {
    case role::admin: return "admin";
    case role::label: return "label";
    case role::artist: return "artist";
  }
  return "artist";
}

std::optional<role> parse_role(std::string_view text) {
  for (auto r : {role::admin, role::label, role::artist})
    if (to_string(r) == text)
      return r;
  return std::nullopt;
}

std::string_view to_string(user_status s) { return s == user_status::active ? "active" : "disabled"; }

std::optional<user_status> parse_user_status(std::string_view text) {
  if (text == "active")
    return user_status::active;
  if (text == "disabled")
    return user_status::disabled;
  return std::nullopt;
}

const std::vector<std::string>& all_scopes() {
  static const std::vector<std::string> scopes = {
    "catalog:read",   "catalog:write",   "distribution:read", "distribution:write", "analytics:read",
    "analytics:write", "royalties:read", "royalties:write",   "keys:write",         "admin"};
  return scopes;
}

std::vector<std::string> scopes_of(role r) {
  std::vector<std::string> out;
  for (const auto& s : all_scopes())
    if (r == role::admin || s != "admin")
      out.push_back(s);
  return out;
}

bool is_scope(std::string_view s) {
  const auto& all = all_scopes();
  return std::find(all.begin(), all.end(), s) != all.end();
}

bool has_scope(const std::vector<std::string>& scopes, std::string_view wanted) {
  return std::any_of(scopes.begin(), scopes.end(), [&](const auto& s) { return s == wanted || s == "admin"; });
}

std::string scope_for_job(std::string_view kind, bool write) {
  const std::string suffix = write ? ":write" : ":read";
  if (kind == "distribution" || kind == "takedown" || kind == "redelivery" || kind == "bulk_distribution")
    return "distribution" + suffix;
  if (kind == "sales_import")
    return "analytics" + suffix;
  if (kind == "royalty_calculation")
    return "royalties" + suffix;
  return "admin"; // diagnostic and internal kinds
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<std::string> check_username(std::string_view u) {
  if (u.size() < 3 || u.size() > 32)
    return "must be 3 to 32 characters";
  for (char c : lower(u))
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return "may contain only letters, digits, '_', '.' and '-'";
  return std::nullopt;
}

std::optional<std::string> check_email(std::string_view e) {
  const auto at = e.find('@');
  const bool shape = e.size() <= 254 && at != std::string_view::npos && at > 0 && at == e.rfind('@')
                     && e.find('.', at) != std::string_view::npos && e.back() != '.' && e[at + 1] != '.'
                     && std::none_of(e.begin(), e.end(), [](char c) {
                          return c == ' ' || static_cast<unsigned char>(c) < 0x21 || c == '<' || c == '>';
                        });
  if (!shape)
    return "must be an email address like name@example.com";
  return std::nullopt;
}

std::optional<std::string> check_password(std::string_view p) {
  if (p.size() < 8 || p.size() > 128)
    return "must be 8 to 128 characters";
  return std::nullopt;
}

std::optional<std::string> check_full_name(std::string_view n) {
  const auto first = n.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return "is required";
  if (n.size() > 100)
    return "must be at most 100 characters";
  return std::nullopt;
}

} // namespace tunemantra::domain
