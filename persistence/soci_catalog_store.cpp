#include "persistence/soci_catalog_store.hpp"

#include <soci/soci.h>

#include "domain/identifiers.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"
#include "persistence/errors.hpp"
#include "persistence/paging.hpp"

namespace tunemantra::persistence {
namespace {

constexpr const char* artist_columns = "id, account_id, name, isni, spotify_id, apple_id, created_at, updated_at";
constexpr const char* release_columns =
  "id, account_id, artist_id, title, type, upc, release_date, original_release_date, label_name, genre, p_line, "
  "c_line, parental_warning, territories, status, created_at, updated_at";

struct artist_row {
  domain::artist a;
  long long id = 0, account = 0, created = 0, updated = 0;
  void bind(soci::details::prepare_temp_type& t) {
    t, soci::into(id), soci::into(account), soci::into(a.name), soci::into(a.isni), soci::into(a.spotify_id),
      soci::into(a.apple_id), soci::into(created), soci::into(updated);
  }
  domain::artist get() const {
    auto out = a;
    out.id = id;
    out.account_id = account;
    out.created_at = created;
    out.updated_at = updated;
    return out;
  }
};

struct release_row {
  domain::release r;
  long long id = 0, account = 0, artist = 0, created = 0, updated = 0;
  std::string type, territories, status;
  void bind(soci::details::prepare_temp_type& t) {
    t, soci::into(id), soci::into(account), soci::into(artist), soci::into(r.title), soci::into(type),
      soci::into(r.upc), soci::into(r.release_date), soci::into(r.original_release_date), soci::into(r.label_name),
      soci::into(r.genre), soci::into(r.p_line), soci::into(r.c_line), soci::into(r.parental_warning),
      soci::into(territories), soci::into(status), soci::into(created), soci::into(updated);
  }
  domain::release get() const {
    auto out = r;
    out.id = id;
    out.account_id = account;
    out.artist_id = artist;
    out.type = domain::parse_release_type(type).value_or(domain::release_type::single);
    out.territories = domain::split(territories, ',');
    out.status = domain::parse_release_status(status).value_or(domain::release_status::draft);
    out.created_at = created;
    out.updated_at = updated;
    return out;
  }
};

template <class Row, class Item>
std::optional<Item> select_one(soci::session& s, const std::string& sql, long long account, long long id) {
  Row row;
  auto temp = (s.prepare << sql);
  row.bind(temp);
  temp, soci::use(account), soci::use(id);
  soci::statement st(temp);
  st.execute(false);
  if (!st.fetch())
    return std::nullopt;
  return row.get();
}

/// Next value of a named counter, inside the caller's transaction.
long long next_counter(soci::session& s, const std::string& name) {
  long long next = 0;
  soci::indicator ind = soci::i_null;
  s << "SELECT next_value FROM identifier_counters WHERE name = :n", soci::use(name), soci::into(next, ind);
  if (!s.got_data()) {
    next = 1;
    s << "INSERT INTO identifier_counters (name, next_value) VALUES (:n, 2)", soci::use(name);
  } else {
    s << "UPDATE identifier_counters SET next_value = next_value + 1 WHERE name = :n", soci::use(name);
  }
  return next;
}

constexpr const char* track_select =
  "SELECT t.id, t.account_id, t.release_id, t.recording_id, r.isrc, t.title, t.position, t.explicit, t.contributors, "
  "t.created_at, t.updated_at FROM tracks t JOIN recordings r ON r.id = t.recording_id ";

struct track_row {
  domain::track t;
  long long id = 0, account = 0, release = 0, recording = 0, created = 0, updated = 0;
  int position = 0, explicit_flag = 0;
  std::string contributors;
  void bind(soci::details::prepare_temp_type& p) {
    p, soci::into(id), soci::into(account), soci::into(release), soci::into(recording), soci::into(t.isrc),
      soci::into(t.title), soci::into(position), soci::into(explicit_flag), soci::into(contributors),
      soci::into(created), soci::into(updated);
  }
  domain::track get() const {
    auto out = t;
    out.id = id;
    out.account_id = account;
    out.release_id = release;
    out.recording_id = recording;
    out.position = position;
    out.explicit_content = explicit_flag != 0;
    out.contributors = domain::contributors_from_json(contributors);
    out.created_at = created;
    out.updated_at = updated;
    return out;
  }
};

/// The account's recording for an ISRC, created when new.
long long recording_for(soci::session& s, long long account, const std::string& isrc) {
  long long id = 0;
  s << "SELECT id FROM recordings WHERE account_id = :a AND isrc = :i", soci::use(account), soci::use(isrc),
    soci::into(id);
  if (s.got_data())
    return id;
  long long now = domain::now_millis();
  s << "INSERT INTO recordings (account_id, isrc, created_at) VALUES (:a, :i, :c) RETURNING id", soci::use(account),
    soci::use(isrc), soci::use(now), soci::into(id);
  return id;
}

/// Fills `t.audio` from the recording's audio row, if any.
void load_audio(soci::session& s, domain::track& t) {
  domain::audio_info a;
  long long recording = t.recording_id, frames = 0, duration = 0, clipped = 0, lead = 0, trail = 0, bytes = 0;
  s << "SELECT file, format, sha256, bytes, sample_rate, bit_depth, channels, frames, duration_ms, loudness_lufs, "
       "true_peak_dbtp, clipped_samples, leading_silence_ms, trailing_silence_ms FROM recording_audio "
       "WHERE recording_id = :r",
    soci::use(recording), soci::into(a.file), soci::into(a.format), soci::into(a.sha256), soci::into(bytes),
    soci::into(a.sample_rate), soci::into(a.bit_depth), soci::into(a.channels), soci::into(frames), soci::into(duration),
    soci::into(a.loudness_lufs), soci::into(a.true_peak_dbtp), soci::into(clipped), soci::into(lead), soci::into(trail);
  if (!s.got_data()) {
    t.audio.reset();
    return;
  }
  a.bytes = bytes;
  a.frames = frames;
  a.duration_ms = duration;
  a.clipped_samples = clipped;
  a.leading_silence_ms = lead;
  a.trailing_silence_ms = trail;
  t.audio = std::move(a);
}

/// Fills `r.artwork` from the release's artwork row, if any.
void load_artwork(soci::session& s, domain::release& r) {
  domain::image_info a;
  long long release = r.id, bytes = 0;
  s << "SELECT file, format, sha256, bytes, width, height, colour_mode, bit_depth FROM release_artwork "
       "WHERE release_id = :r",
    soci::use(release), soci::into(a.file), soci::into(a.format), soci::into(a.sha256), soci::into(bytes),
    soci::into(a.width), soci::into(a.height), soci::into(a.colour_mode), soci::into(a.bit_depth);
  if (!s.got_data()) {
    r.artwork.reset();
    return;
  }
  a.bytes = bytes;
  r.artwork = std::move(a);
}

bool position_taken(soci::session& s, long long release, int position, long long except_track) {
  int n = 0;
  s << "SELECT COUNT(*) FROM tracks WHERE release_id = :r AND position = :p AND id <> :t", soci::use(release),
    soci::use(position), soci::use(except_track), soci::into(n);
  return n > 0;
}

} // namespace

domain::artist soci_catalog_store::create_artist(const domain::artist& a) {
  domain::artist out = a;
  out.created_at = out.updated_at = domain::now_millis();
  pool_.transact([&](soci::session& s) {
    long long account = a.account_id, now = out.created_at, id = 0;
    s << "INSERT INTO artists (account_id, name, isni, spotify_id, apple_id, created_at, updated_at) "
         "VALUES (:a, :n, :i, :s, :p, :c, :u) RETURNING id",
      soci::use(account), soci::use(a.name), soci::use(a.isni), soci::use(a.spotify_id), soci::use(a.apple_id),
      soci::use(now), soci::use(now), soci::into(id);
    out.id = id;
  });
  return out;
}

std::optional<domain::artist> soci_catalog_store::find_artist(std::int64_t account, std::int64_t id) {
  std::optional<domain::artist> out;
  pool_.run([&](soci::session& s) {
    out = select_one<artist_row, domain::artist>(
      s, std::string("SELECT ") + artist_columns + " FROM artists WHERE account_id = :a AND id = :i", account, id);
  });
  return out;
}

domain::page<domain::artist> soci_catalog_store::list_artists(std::int64_t account, const domain::catalog_filter& f) {
  domain::page<domain::artist> out;
  out.page = std::max(f.page, 1);
  out.limit = std::clamp(f.limit, 1, 100);
  const std::string where =
    std::string("FROM artists WHERE account_id = :a") + (f.search ? " AND lower(name) LIKE :p ESCAPE '\\'" : "");
  const std::string pattern = f.search ? like_contains(*f.search) : "";
  long long acc = account;
  pool_.run([&](soci::session& s) {
    fetch_page<artist_row>(s, artist_columns, where, "id",
                           [&](soci::details::prepare_temp_type& t) {
                             t, soci::use(acc);
                             if (f.search)
                               t, soci::use(pattern);
                           },
                           out);
  });
  return out;
}

std::optional<domain::artist> soci_catalog_store::update_artist(const domain::artist& a) {
  std::optional<domain::artist> out;
  pool_.transact([&](soci::session& s) {
    long long account = a.account_id, id = a.id, now = domain::now_millis();
    soci::statement st = (s.prepare << "UPDATE artists SET name = :n, isni = :i, spotify_id = :s, apple_id = :p, "
                                       "updated_at = :u WHERE account_id = :a AND id = :id",
                          soci::use(a.name), soci::use(a.isni), soci::use(a.spotify_id), soci::use(a.apple_id),
                          soci::use(now), soci::use(account), soci::use(id));
    st.execute(true);
    if (st.get_affected_rows() == 1)
      out = select_one<artist_row, domain::artist>(
        s, std::string("SELECT ") + artist_columns + " FROM artists WHERE account_id = :a AND id = :i", account, id);
  });
  return out;
}

catalog_store::delete_result soci_catalog_store::delete_artist(std::int64_t account, std::int64_t id) {
  auto result = delete_result::not_found;
  pool_.transact([&](soci::session& s) {
    long long acc = account, aid = id;
    int releases = 0;
    s << "SELECT COUNT(*) FROM releases WHERE artist_id = :i", soci::use(aid), soci::into(releases);
    soci::statement st =
      (s.prepare << "DELETE FROM artists WHERE account_id = :a AND id = :i", soci::use(acc), soci::use(aid));
    if (releases > 0) {
      int exists = 0;
      s << "SELECT COUNT(*) FROM artists WHERE account_id = :a AND id = :i", soci::use(acc), soci::use(aid),
        soci::into(exists);
      result = exists ? delete_result::in_use : delete_result::not_found;
      return;
    }
    st.execute(true);
    result = st.get_affected_rows() == 1 ? delete_result::deleted : delete_result::not_found;
  });
  return result;
}

std::optional<domain::release> soci_catalog_store::create_release(const domain::release& r,
                                                                   const std::string& upc_prefix) {
  std::optional<domain::release> out;
  pool_.transact([&](soci::session& s) {
    out.reset();
    domain::release row = r;
    if (row.upc.empty())
      row.upc = domain::make_ean(upc_prefix, next_counter(s, "upc:" + upc_prefix));
    int clash = 0;
    long long account = r.account_id;
    s << "SELECT COUNT(*) FROM releases WHERE account_id = :a AND upc = :u", soci::use(account), soci::use(row.upc),
      soci::into(clash);
    if (clash)
      return;
    long long artist = r.artist_id, now = domain::now_millis(), id = 0;
    const std::string type{domain::to_string(r.type)}, status{domain::to_string(r.status)};
    const std::string territories = domain::join(r.territories, ",");
    s << "INSERT INTO releases (account_id, artist_id, title, type, upc, release_date, original_release_date, "
         "label_name, genre, p_line, c_line, parental_warning, territories, status, created_at, updated_at) VALUES "
         "(:a, :ar, :t, :ty, :u, :rd, :od, :l, :g, :p, :c, :pw, :te, :s, :cr, :up) RETURNING id",
      soci::use(account), soci::use(artist), soci::use(r.title), soci::use(type), soci::use(row.upc),
      soci::use(r.release_date), soci::use(r.original_release_date), soci::use(r.label_name), soci::use(r.genre),
      soci::use(r.p_line), soci::use(r.c_line), soci::use(r.parental_warning), soci::use(territories),
      soci::use(status), soci::use(now), soci::use(now), soci::into(id);
    row.id = id;
    row.created_at = row.updated_at = now;
    out = row;
  });
  return out;
}

std::optional<domain::release> soci_catalog_store::find_release(std::int64_t account, std::int64_t id) {
  std::optional<domain::release> out;
  pool_.run([&](soci::session& s) {
    out = select_one<release_row, domain::release>(
      s, std::string("SELECT ") + release_columns + " FROM releases WHERE account_id = :a AND id = :i", account, id);
    if (out)
      load_artwork(s, *out);
  });
  return out;
}

domain::page<domain::release> soci_catalog_store::list_releases(std::int64_t account,
                                                                const domain::catalog_filter& f) {
  domain::page<domain::release> out;
  out.page = std::max(f.page, 1);
  out.limit = std::clamp(f.limit, 1, 100);
  std::string where = "FROM releases WHERE account_id = :a";
  if (f.artist_id)
    where += " AND artist_id = :ar";
  if (f.status)
    where += " AND status = :s";
  if (f.search)
    where += " AND (lower(title) LIKE :p ESCAPE '\\' OR upc = :u)";
  const std::string pattern = f.search ? like_contains(*f.search) : "", upc = f.search.value_or("");
  const std::string status = f.status ? std::string(domain::to_string(*f.status)) : "";
  long long acc = account, artist = f.artist_id.value_or(0);
  auto bind = [&](soci::details::prepare_temp_type& t) {
    t, soci::use(acc);
    if (f.artist_id)
      t, soci::use(artist);
    if (f.status)
      t, soci::use(status);
    if (f.search)
      t, soci::use(pattern), soci::use(upc);
  };
  pool_.run([&](soci::session& s) {
    fetch_page<release_row>(s, release_columns, where, "id DESC", bind, out);
    for (auto& r : out.items)
      load_artwork(s, r);
  });
  return out;
}

std::optional<domain::release> soci_catalog_store::update_release(const domain::release& r) {
  std::optional<domain::release> out;
  pool_.transact([&](soci::session& s) {
    long long account = r.account_id, id = r.id, artist = r.artist_id, now = domain::now_millis();
    int clash = 0;
    s << "SELECT COUNT(*) FROM releases WHERE account_id = :a AND upc = :u AND id <> :i", soci::use(account),
      soci::use(r.upc), soci::use(id), soci::into(clash);
    if (clash)
      throw store_error("the UPC " + r.upc + " belongs to another release");
    const std::string type{domain::to_string(r.type)}, status{domain::to_string(r.status)};
    const std::string territories = domain::join(r.territories, ",");
    soci::statement st =
      (s.prepare << "UPDATE releases SET artist_id = :ar, title = :t, type = :ty, upc = :u, release_date = :rd, "
                    "original_release_date = :od, label_name = :l, genre = :g, p_line = :p, c_line = :c, "
                    "parental_warning = :pw, territories = :te, status = :s, updated_at = :up "
                    "WHERE account_id = :a AND id = :i",
       soci::use(artist), soci::use(r.title), soci::use(type), soci::use(r.upc), soci::use(r.release_date),
       soci::use(r.original_release_date), soci::use(r.label_name), soci::use(r.genre), soci::use(r.p_line),
       soci::use(r.c_line), soci::use(r.parental_warning), soci::use(territories), soci::use(status), soci::use(now),
       soci::use(account), soci::use(id));
    st.execute(true);
    if (st.get_affected_rows() == 1)
      out = select_one<release_row, domain::release>(
        s, std::string("SELECT ") + release_columns + " FROM releases WHERE account_id = :a AND id = :i", account, id);
    if (out)
      load_artwork(s, *out);
  });
  return out;
}

bool soci_catalog_store::delete_release(std::int64_t account, std::int64_t id) {
  bool deleted = false;
  pool_.transact([&](soci::session& s) {
    long long acc = account, rid = id;
    soci::statement st =
      (s.prepare << "DELETE FROM releases WHERE account_id = :a AND id = :i", soci::use(acc), soci::use(rid));
    st.execute(true);
    deleted = st.get_affected_rows() == 1;
  });
  return deleted;
}

} // namespace tunemantra::persistence

namespace tunemantra::persistence {

catalog_store::track_result soci_catalog_store::create_track(domain::track& t, const std::string& isrc_registrant,
                                                             int year) {
  auto result = track_result::ok;
  pool_.transact([&](soci::session& s) {
    long long account = t.account_id, release = t.release_id;
    int owned = 0;
    s << "SELECT COUNT(*) FROM releases WHERE account_id = :a AND id = :r", soci::use(account), soci::use(release),
      soci::into(owned);
    if (!owned) {
      result = track_result::not_found;
      return;
    }
    if (position_taken(s, release, t.position, 0)) {
      result = track_result::position_taken;
      return;
    }
    if (t.isrc.empty()) {
      const auto counter = next_counter(s, "isrc:" + isrc_registrant + ":" + std::to_string(year));
      t.isrc = domain::make_isrc(isrc_registrant, year, static_cast<int>(counter));
    }
    long long recording = recording_for(s, account, t.isrc), now = domain::now_millis(), id = 0;
    int explicit_flag = t.explicit_content ? 1 : 0;
    const auto contributors = domain::contributors_to_json(t.contributors);
    s << "INSERT INTO tracks (account_id, release_id, recording_id, title, position, explicit, contributors, "
         "created_at, updated_at) VALUES (:a, :r, :rc, :t, :p, :e, :c, :cr, :u) RETURNING id",
      soci::use(account), soci::use(release), soci::use(recording), soci::use(t.title), soci::use(t.position),
      soci::use(explicit_flag), soci::use(contributors), soci::use(now), soci::use(now), soci::into(id);
    t.id = id;
    t.recording_id = recording;
    t.created_at = t.updated_at = now;
  });
  return result;
}

std::optional<domain::track> soci_catalog_store::find_track(std::int64_t account, std::int64_t id) {
  std::optional<domain::track> out;
  pool_.run([&](soci::session& s) {
    out = select_one<track_row, domain::track>(s, std::string(track_select) + "WHERE t.account_id = :a AND t.id = :i",
                                               account, id);
    if (out)
      load_audio(s, *out);
  });
  return out;
}

std::vector<domain::track> soci_catalog_store::list_tracks(std::int64_t account, std::int64_t release_id) {
  std::vector<domain::track> out;
  pool_.run([&](soci::session& s) {
    out.clear();
    track_row row;
    long long acc = account, release = release_id;
    auto temp = (s.prepare << std::string(track_select) + "WHERE t.account_id = :a AND t.release_id = :r ORDER BY t.position");
    row.bind(temp);
    temp, soci::use(acc), soci::use(release);
    soci::statement st(temp);
    st.execute(false);
    while (st.fetch())
      out.push_back(row.get());
    for (auto& t : out)
      load_audio(s, t);
  });
  return out;
}

catalog_store::track_result soci_catalog_store::update_track(domain::track& t) {
  auto result = track_result::ok;
  pool_.transact([&](soci::session& s) {
    long long account = t.account_id, id = t.id, release = t.release_id;
    if (position_taken(s, release, t.position, id)) {
      result = track_result::position_taken;
      return;
    }
    long long recording = recording_for(s, account, t.isrc), now = domain::now_millis();
    int explicit_flag = t.explicit_content ? 1 : 0;
    const auto contributors = domain::contributors_to_json(t.contributors);
    soci::statement st = (s.prepare << "UPDATE tracks SET recording_id = :rc, title = :t, position = :p, explicit = :e, "
                                       "contributors = :c, updated_at = :u WHERE account_id = :a AND id = :i",
                          soci::use(recording), soci::use(t.title), soci::use(t.position), soci::use(explicit_flag),
                          soci::use(contributors), soci::use(now), soci::use(account), soci::use(id));
    st.execute(true);
    if (st.get_affected_rows() != 1) {
      result = track_result::not_found;
      return;
    }
    t.recording_id = recording;
    t.updated_at = now;
    load_audio(s, t);
  });
  return result;
}

bool soci_catalog_store::delete_track(std::int64_t account, std::int64_t id) {
  bool deleted = false;
  pool_.transact([&](soci::session& s) {
    long long acc = account, tid = id;
    soci::statement st =
      (s.prepare << "DELETE FROM tracks WHERE account_id = :a AND id = :i", soci::use(acc), soci::use(tid));
    st.execute(true);
    deleted = st.get_affected_rows() == 1;
  });
  return deleted;
}

namespace {

/// Runs `write` in a transaction when the recording is the account's; false otherwise.
template <class Write>
bool write_recording(connection_pool& pool, long long account, long long recording, Write write) {
  bool owned = false;
  pool.transact([&](soci::session& s) {
    int n = 0;
    s << "SELECT COUNT(*) FROM recordings WHERE account_id = :a AND id = :r", soci::use(account), soci::use(recording),
      soci::into(n);
    owned = n > 0;
    if (owned)
      write(s, recording);
  });
  return owned;
}

} // namespace

bool soci_catalog_store::set_recording_audio(std::int64_t account, std::int64_t recording_id, const domain::audio_info& a) {
  return write_recording(pool_, account, recording_id, [&](soci::session& s, long long recording) {
    long long bytes = a.bytes, frames = a.frames, duration = a.duration_ms, clipped = a.clipped_samples,
              lead = a.leading_silence_ms, trail = a.trailing_silence_ms, now = domain::now_millis();
    s << "INSERT INTO recording_audio (recording_id, file, format, sha256, bytes, sample_rate, bit_depth, channels, "
         "frames, duration_ms, loudness_lufs, true_peak_dbtp, clipped_samples, leading_silence_ms, trailing_silence_ms, "
         "uploaded_at) VALUES (:r, :f, :fo, :h, :b, :sr, :bd, :c, :fr, :d, :l, :tp, :cl, :ls, :ts, :u) "
         "ON CONFLICT (recording_id) DO UPDATE SET file = excluded.file, format = excluded.format, "
         "sha256 = excluded.sha256, bytes = excluded.bytes, sample_rate = excluded.sample_rate, "
         "bit_depth = excluded.bit_depth, channels = excluded.channels, frames = excluded.frames, "
         "duration_ms = excluded.duration_ms, loudness_lufs = excluded.loudness_lufs, "
         "true_peak_dbtp = excluded.true_peak_dbtp, clipped_samples = excluded.clipped_samples, "
         "leading_silence_ms = excluded.leading_silence_ms, trailing_silence_ms = excluded.trailing_silence_ms, "
         "uploaded_at = excluded.uploaded_at",
      soci::use(recording), soci::use(a.file), soci::use(a.format), soci::use(a.sha256), soci::use(bytes),
      soci::use(a.sample_rate), soci::use(a.bit_depth), soci::use(a.channels), soci::use(frames), soci::use(duration),
      soci::use(a.loudness_lufs), soci::use(a.true_peak_dbtp), soci::use(clipped), soci::use(lead), soci::use(trail),
      soci::use(now);
  });
}

bool soci_catalog_store::set_release_artwork(std::int64_t account, std::int64_t release_id, const domain::image_info& a) {
  bool done = false;
  pool_.transact([&](soci::session& s) {
    long long acc = account, release = release_id, now = domain::now_millis(), bytes = a.bytes;
    int n = 0;
    s << "SELECT COUNT(*) FROM releases WHERE account_id = :a AND id = :r", soci::use(acc), soci::use(release),
      soci::into(n);
    done = n > 0;
    if (!done)
      return;
    s << "INSERT INTO release_artwork (release_id, file, format, sha256, bytes, width, height, colour_mode, bit_depth, "
         "uploaded_at) VALUES (:r, :f, :fo, :h, :b, :w, :he, :c, :bd, :u) "
         "ON CONFLICT (release_id) DO UPDATE SET file = excluded.file, format = excluded.format, "
         "sha256 = excluded.sha256, bytes = excluded.bytes, width = excluded.width, height = excluded.height, "
         "colour_mode = excluded.colour_mode, bit_depth = excluded.bit_depth, uploaded_at = excluded.uploaded_at",
      soci::use(release), soci::use(a.file), soci::use(a.format), soci::use(a.sha256), soci::use(bytes),
      soci::use(a.width), soci::use(a.height), soci::use(a.colour_mode), soci::use(a.bit_depth), soci::use(now);
    s << "UPDATE releases SET updated_at = :u WHERE id = :r", soci::use(now), soci::use(release);
  });
  return done;
}

bool soci_catalog_store::replace_splits(std::int64_t account, std::int64_t recording_id,
                                        const std::vector<domain::royalty_split>& splits) {
  return write_recording(pool_, account, recording_id, [&](soci::session& s, long long recording) {
    s << "DELETE FROM splits WHERE recording_id = :r", soci::use(recording);
    int position = 0;
    long long payee = 0;
    soci::indicator payee_ind = soci::i_null;
    std::string name;
    int share = 0;
    soci::statement insert = (s.prepare << "INSERT INTO splits (recording_id, position, payee_user_id, payee_name, "
                                           "share_bps) VALUES (:r, :p, :u, :n, :s)",
                              soci::use(recording), soci::use(position), soci::use(payee, payee_ind), soci::use(name),
                              soci::use(share));
    for (const auto& split : splits) {
      ++position;
      payee = split.payee_user_id.value_or(0);
      payee_ind = split.payee_user_id ? soci::i_ok : soci::i_null;
      name = split.payee_name;
      share = split.share_bps;
      insert.execute(true);
    }
  });
}

std::vector<domain::royalty_split> soci_catalog_store::find_splits(std::int64_t account, std::int64_t recording_id) {
  std::vector<domain::royalty_split> out;
  pool_.run([&](soci::session& s) {
    out.clear();
    long long acc = account, recording = recording_id, payee = 0;
    soci::indicator payee_ind = soci::i_null;
    std::string name;
    int share = 0;
    soci::statement st = (s.prepare << "SELECT sp.payee_user_id, sp.payee_name, sp.share_bps FROM splits sp "
                                       "JOIN recordings r ON r.id = sp.recording_id "
                                       "WHERE r.account_id = :a AND sp.recording_id = :r ORDER BY sp.position",
                          soci::use(acc), soci::use(recording), soci::into(payee, payee_ind), soci::into(name),
                          soci::into(share));
    st.execute(false);
    while (st.fetch())
      out.push_back({payee_ind == soci::i_ok ? std::optional<std::int64_t>(payee) : std::nullopt, name, share});
  });
  return out;
}

} // namespace tunemantra::persistence
