#pragma once
// Accounts: roles and their scopes (the one table in code), API key scopes, and the validation
// rules for registration. Pure functions, unit-tested alone.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunemantra::domain {

enum class role { admin, label, artist };
enum class user_status { active, disabled };

std::string_view to_string(role r);
std::optional<role> parse_role(std::string_view text);
std::string_view to_string(user_status s);
std::optional<user_status> parse_user_status(std::string_view text);

/// Every scope there is, in a fixed order.
const std::vector<std::string>& all_scopes();
/// The scopes a role holds: admin all of them; label and artist every scope but `admin`.
std::vector<std::string> scopes_of(role r);
bool is_scope(std::string_view s);
/// Whether `scopes` contains `wanted` (`admin` implies every scope).
bool has_scope(const std::vector<std::string>& scopes, std::string_view wanted);
/// The scope a job kind needs: `distribution:write` to cancel a distribution, ...
std::string scope_for_job(std::string_view kind, bool write);

/// One problem with one field of a request.
struct field_problem {
  std::string field;
  std::string message;
};

/// username 3-32 of [a-z0-9_.-] (compare in lower case); nullopt when fine.
std::optional<std::string> check_username(std::string_view username);
/// local@domain.tld, at most 254 characters, no spaces.
std::optional<std::string> check_email(std::string_view email);
/// 8-128 characters.
std::optional<std::string> check_password(std::string_view password);
/// 1-100 characters after trimming.
std::optional<std::string> check_full_name(std::string_view name);

std::string lower(std::string_view text);

} // namespace tunemantra::domain
