#pragma once
// One way to read a page of rows: `SELECT COUNT(*) <from>` for the total, then the page itself
// with LIMIT/OFFSET, both with the same bound filter values. Used by every list in the store.

#include <functional>
#include <string>

#include <soci/soci.h>

#include "domain/auth.hpp"
#include "domain/job.hpp"

namespace tunemantra::persistence {

/// A LIKE pattern that matches `text` anywhere, case-insensitively, with `%`, `_` and `\` taken
/// literally (use it with ESCAPE '\').
inline std::string like_contains(const std::string& text) {
  std::string out = "%";
  for (char c : domain::lower(text)) {
    if (c == '%' || c == '_' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "%";
}

using binder = std::function<void(soci::details::prepare_temp_type&)>;

/// Fills `out` (whose page and limit are set) with rows read through `Row::bind` and `Row::get`.
/// `from` is the FROM ... WHERE ... part; `bind` binds its placeholders, in order.
template <class Row, class Item>
void fetch_page(soci::session& s, const std::string& columns, const std::string& from, const std::string& order,
                const binder& bind, domain::page<Item>& out) {
  out.items.clear();
  long long total = 0, limit = out.limit, offset = (out.page - 1LL) * out.limit;
  auto count = (s.prepare << "SELECT COUNT(*) " + from, soci::into(total));
  bind(count);
  soci::statement(count).execute(true);
  out.total = total;
  Row row;
  auto rows = (s.prepare << "SELECT " + columns + " " + from + " ORDER BY " + order + " LIMIT :l OFFSET :o");
  row.bind(rows);
  bind(rows);
  rows, soci::use(limit), soci::use(offset);
  soci::statement st(rows);
  st.execute(false);
  while (st.fetch())
    out.items.push_back(row.get());
}

} // namespace tunemantra::persistence
