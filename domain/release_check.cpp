#include "domain/release_check.hpp"

#include <algorithm>
#include <map>

namespace tunemantra::domain {

std::string_view to_string(severity s) { return s == severity::error ? "error" : "warning"; }

bool has_errors(const std::vector<release_issue>& issues) {
  return std::any_of(issues.begin(), issues.end(), [](const auto& i) { return i.severity == severity::error; });
}

namespace {

std::string seconds(std::int64_t ms) {
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

class collector {
public:
  void error(std::string code, std::string field, std::string message, std::int64_t track = 0) {
    add(std::move(code), severity::error, std::move(field), std::move(message), track);
  }
  void warning(std::string code, std::string field, std::string message, std::int64_t track = 0) {
    add(std::move(code), severity::warning, std::move(field), std::move(message), track);
  }
  void add(std::string code, severity s, std::string field, std::string message, std::int64_t track) {
    issues_.push_back({std::move(code), s, std::move(field), std::move(message), track});
  }
  std::vector<release_issue> take() {
    std::stable_sort(issues_.begin(), issues_.end(),
                     [](const auto& a, const auto& b) { return a.severity == severity::error && b.severity != severity::error; });
    return std::move(issues_);
  }

private:
  std::vector<release_issue> issues_;
};

void check_metadata(const release& r, std::string_view today, collector& out) {
  if (r.upc.empty())
    out.error("UPC_MISSING", "upc", "the release has no UPC/EAN");
  if (r.genre.empty())
    out.error("GENRE_MISSING", "genre", "platforms require a genre");
  if (r.label_name.empty())
    out.error("LABEL_MISSING", "labelName", "platforms require a label name");
  if (r.p_line.empty())
    out.error("P_LINE_MISSING", "pLine", "platforms require a (P) line: year and owner of the sound recordings");
  if (r.c_line.empty())
    out.error("C_LINE_MISSING", "cLine", "platforms require a (C) line: year and owner of the artwork and text");
  if (!r.original_release_date.empty() && r.original_release_date > r.release_date)
    out.error("ORIGINAL_DATE_AFTER_RELEASE_DATE", "originalReleaseDate",
              "the original release date " + r.original_release_date + " is after the release date " + r.release_date);
  if (r.release_date < today) {
    const bool back_catalogue = !r.original_release_date.empty() && r.original_release_date <= r.release_date;
    if (back_catalogue)
      out.warning("RELEASE_DATE_IN_PAST", "releaseDate",
                  "the release date " + r.release_date + " has passed; platforms will show it as back catalogue first released "
                    + r.original_release_date);
    else
      out.error("RELEASE_DATE_IN_PAST", "releaseDate",
                "the release date " + r.release_date + " has passed; set a future date, or an original release date for back catalogue");
  }
}

void check_artwork(const release& r, const release_rules& rules, collector& out) {
  if (!r.artwork) {
    out.error("ARTWORK_MISSING", "artwork", "upload the front cover (JPEG or PNG, at least 3000x3000 pixels)");
    return;
  }
  const auto& a = *r.artwork;
  const auto size = std::to_string(a.width) + "x" + std::to_string(a.height);
  if (a.width < rules.min_artwork_px || a.height < rules.min_artwork_px)
    out.error("ARTWORK_TOO_SMALL", "artwork",
              "the artwork is " + size + " pixels; platforms need at least " + std::to_string(rules.min_artwork_px) + "x"
                + std::to_string(rules.min_artwork_px));
  if (a.width != a.height)
    out.error("ARTWORK_NOT_SQUARE", "artwork", "the artwork is " + size + " pixels; it must be square");
  if (a.colour_mode != "rgb")
    out.error("ARTWORK_NOT_RGB", "artwork", "the artwork is " + a.colour_mode + "; platforms need RGB without transparency");
}

void check_track(const track_for_check& item, std::size_t index, const release_rules& rules, collector& out) {
  const auto& t = item.t;
  const auto field = "tracks[" + std::to_string(index) + "]";
  const auto name = "track " + std::to_string(t.position) + " (\"" + t.title + "\")";
  if (t.isrc.empty())
    out.error("ISRC_MISSING", field + ".isrc", name + " has no ISRC", t.id);
  if (!t.audio) {
    out.error("AUDIO_MISSING", field + ".audio", name + " has no audio", t.id);
  } else {
    const auto& a = *t.audio;
    if (a.sample_rate < rules.min_sample_rate)
      out.error("AUDIO_SAMPLE_RATE_TOO_LOW", field + ".audio.sampleRate",
                name + " is " + std::to_string(a.sample_rate) + " Hz; platforms need at least 44100 Hz", t.id);
    if (a.bit_depth < rules.min_bit_depth)
      out.error("AUDIO_BIT_DEPTH_TOO_LOW", field + ".audio.bitDepth",
                name + " is " + std::to_string(a.bit_depth) + "-bit; platforms need at least 16-bit", t.id);
    if (a.channels != 2)
      out.error("AUDIO_NOT_STEREO", field + ".audio.channels",
                name + " has " + std::to_string(a.channels) + " channel(s); platforms need stereo", t.id);
    if (a.duration_ms < rules.min_track_ms)
      out.error("TRACK_TOO_SHORT", field + ".audio.durationMs",
                name + " lasts " + seconds(a.duration_ms) + "; platforms need at least 30 s", t.id);
    if (a.clipping())
      out.warning("AUDIO_CLIPPING", field + ".audio.clippedSamples",
                  name + " clips: " + std::to_string(a.clipped_samples) + " samples at full scale", t.id);
    if (a.leading_silence_ms > rules.max_silence_ms)
      out.warning("AUDIO_LEADING_SILENCE", field + ".audio.leadingSilenceMs",
                  name + " starts with " + seconds(a.leading_silence_ms) + " of silence", t.id);
    if (a.trailing_silence_ms > rules.max_silence_ms)
      out.warning("AUDIO_TRAILING_SILENCE", field + ".audio.trailingSilenceMs",
                  name + " ends with " + seconds(a.trailing_silence_ms) + " of silence", t.id);
  }
  if (item.splits.empty()) {
    out.warning("SPLITS_MISSING", field + ".splits", name + " has no splits; all of its royalties go to the account owner",
                t.id);
  } else {
    int total = 0;
    for (const auto& s : item.splits)
      total += s.share_bps;
    if (total != full_share_bps)
      out.error("SPLITS_NOT_100", field + ".splits",
                name + "'s splits add up to " + std::to_string(total) + " bps instead of 10000", t.id);
  }
}

} // namespace

std::vector<release_issue> check_release(const release& r, const std::vector<track_for_check>& tracks,
                                         std::string_view today, const release_rules& rules) {
  collector out;
  check_metadata(r, today, out);
  check_artwork(r, rules, out);
  if (tracks.empty())
    out.error("NO_TRACKS", "tracks", "the release has no tracks");

  std::vector<const track_for_check*> ordered;
  for (const auto& t : tracks)
    ordered.push_back(&t);
  std::stable_sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->t.position < b->t.position; });

  std::map<std::string, int> isrc_uses;
  bool explicit_track = false;
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    const auto& item = *ordered[i];
    check_track(item, i, rules, out);
    explicit_track = explicit_track || item.t.explicit_content;
    if (item.t.position != static_cast<int>(i) + 1)
      out.error("TRACK_POSITIONS_NOT_SEQUENTIAL", "tracks[" + std::to_string(i) + "].position",
                "track positions must run 1, 2, 3, ... without gaps: \"" + item.t.title + "\" is at position "
                  + std::to_string(item.t.position) + " where " + std::to_string(i + 1) + " is expected",
                item.t.id);
    if (!item.t.isrc.empty() && ++isrc_uses[item.t.isrc] == 2)
      out.error("DUPLICATE_ISRC", "tracks[" + std::to_string(i) + "].isrc",
                "the ISRC " + item.t.isrc + " appears on more than one track of this release", item.t.id);
  }
  if (explicit_track && r.parental_warning == "NotExplicit")
    out.warning("PARENTAL_WARNING_MISMATCH", "parentalWarning",
                "a track is marked explicit but the release says NotExplicit");
  return out.take();
}

} // namespace tunemantra::domain
