#include "domain/ern.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include <pugixml.hpp>

namespace tunemantra::domain {
namespace {

using node = pugi::xml_node;

node add(node parent, const char* name) { return parent.append_child(name); }

node add(node parent, const char* name, const std::string& text) {
  auto n = parent.append_child(name);
  n.text().set(text.c_str());
  return n;
}

void attr(node n, const char* name, const std::string& value) { n.append_attribute(name).set_value(value.c_str()); }

void party_header(node parent, const char* name, const ern_party& p) {
  auto n = add(parent, name);
  add(n, "PartyId", p.dpid);
  add(add(n, "PartyName"), "FullName", p.name);
}

/// The 4-digit year a P or C line starts with, else the release year.
std::string year_of(const std::string& line, const std::string& release_date) {
  if (line.size() >= 4 && std::isdigit(static_cast<unsigned char>(line[0])) && std::isdigit(static_cast<unsigned char>(line[1]))
      && std::isdigit(static_cast<unsigned char>(line[2])) && std::isdigit(static_cast<unsigned char>(line[3])))
    return line.substr(0, 4);
  return release_date.substr(0, 4);
}

std::string ddex_release_type(release_type t) {
  switch (t) {
  case release_type::single: return "Single";
  case release_type::ep: return "EP";
  case release_type::album: return "Album";
  }
  return "Single";
}

std::string sampling_khz(int hz) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", hz / 1000.0);
  return buf;
}

void hash_sum(node file, const std::string& sha256) {
  auto h = add(file, "HashSum");
  add(h, "Algorithm", "SHA-256");
  add(h, "HashSumValue", sha256);
}

void display_title(node parent, const std::string& title) {
  add(parent, "DisplayTitleText", title);
  auto t = add(parent, "DisplayTitle");
  attr(t, "ApplicableTerritoryCode", "Worldwide");
  attr(t, "IsDefault", "true");
  add(t, "TitleText", title);
}

/// Party references: the release artist, contributors by name, and the label.
class parties {
public:
  explicit parties(node list) : list_(list) {}
  std::string ref(const std::string& name) {
    auto [it, added] = refs_.try_emplace(name, "P" + std::to_string(refs_.size() + 1));
    if (added) {
      auto p = add(list_, "Party");
      add(p, "PartyReference", it->second);
      add(add(p, "PartyName"), "FullName", name);
    }
    return it->second;
  }

private:
  node list_;
  std::map<std::string, std::string> refs_;
};

void display_artists(node parent, const std::vector<std::string>& names, parties& ps) {
  std::string joined;
  for (const auto& n : names)
    joined += (joined.empty() ? "" : ", ") + n;
  auto dn = add(parent, "DisplayArtistName", joined);
  attr(dn, "ApplicableTerritoryCode", "Worldwide");
  int seq = 0;
  for (const auto& n : names) {
    auto da = add(parent, "DisplayArtist");
    attr(da, "SequenceNumber", std::to_string(++seq));
    add(da, "ArtistPartyReference", ps.ref(n));
    add(da, "DisplayArtistRole", "MainArtist");
  }
}

void sound_recording(node resources, const ern_message& m, const ern_track& et, std::size_t index, parties& ps) {
  const auto& t = et.t;
  const auto& audio = *t.audio;
  const auto n = std::to_string(index + 1);
  auto sr = add(resources, "SoundRecording");
  add(sr, "ResourceReference", "A" + n);
  add(sr, "Type", "MusicalWorkSoundRecording");
  auto edition = add(sr, "SoundRecordingEdition");
  add(add(edition, "ResourceId"), "ISRC", t.isrc);
  if (!m.rel.p_line.empty()) {
    auto p = add(edition, "PLine");
    add(p, "Year", year_of(m.rel.p_line, m.rel.release_date));
    add(p, "PLineText", m.rel.p_line);
  }
  auto tech = add(edition, "TechnicalDetails");
  add(tech, "TechnicalResourceDetailsReference", "T" + n);
  auto file = add(tech, "DeliveryFile");
  add(file, "Type", "AudioFile");
  add(file, "AudioCodecType", audio.format == "FLAC" ? "FLAC" : "PCM");
  add(file, "NumberOfChannels", std::to_string(audio.channels));
  attr(add(file, "SamplingRate", sampling_khz(audio.sample_rate)), "UnitOfMeasure", "kHz");
  add(file, "BitsPerSample", std::to_string(audio.bit_depth));
  auto f = add(file, "File");
  add(f, "URI", et.file);
  hash_sum(f, audio.sha256);
  display_title(sr, t.title);
  const auto artists = et.main_artists.empty() ? std::vector<std::string>{m.artist_name} : et.main_artists;
  display_artists(sr, artists, ps);
  int seq = 0;
  for (const auto& c : t.contributors) {
    if (c.role == "MainArtist")
      continue; // already a display artist
    auto cn = add(sr, "Contributor");
    attr(cn, "SequenceNumber", std::to_string(++seq));
    add(cn, "ContributorPartyReference", ps.ref(c.name));
    add(cn, "Role", c.role);
  }
  add(sr, "Duration", iso_duration(audio.duration_ms));
  add(sr, "ParentalWarningType", t.explicit_content ? "Explicit" : m.rel.parental_warning);
}

void front_cover(node resources, const ern_message& m, const std::string& ref) {
  const auto& art = *m.rel.artwork;
  auto img = add(resources, "Image");
  add(img, "ResourceReference", ref);
  add(img, "Type", "FrontCoverImage");
  auto id = add(add(img, "ResourceId"), "ProprietaryId", m.rel.upc + "_cover");
  attr(id, "Namespace", m.sender.dpid);
  add(img, "ParentalWarningType", m.rel.parental_warning);
  auto tech = add(img, "TechnicalDetails");
  add(tech, "TechnicalResourceDetailsReference", "T" + ref.substr(1));
  add(tech, "ImageCodecType", art.format == "PNG" ? "PNG" : "JPEG");
  attr(add(tech, "ImageHeight", std::to_string(art.height)), "UnitOfMeasure", "Pixel");
  attr(add(tech, "ImageWidth", std::to_string(art.width)), "UnitOfMeasure", "Pixel");
  auto f = add(tech, "File");
  add(f, "URI", m.artwork_file);
  hash_sum(f, art.sha256);
}

void label_and_lines(node release, const ern_message& m, const std::string& label_ref, bool lines) {
  auto l = add(release, "ReleaseLabelReference", label_ref);
  attr(l, "ApplicableTerritoryCode", "Worldwide");
  if (!lines)
    return;
  if (!m.rel.p_line.empty()) {
    auto p = add(release, "PLine");
    add(p, "Year", year_of(m.rel.p_line, m.rel.release_date));
    add(p, "PLineText", m.rel.p_line);
  }
  if (!m.rel.c_line.empty()) {
    auto c = add(release, "CLine");
    add(c, "Year", year_of(m.rel.c_line, m.rel.release_date));
    add(c, "CLineText", m.rel.c_line);
  }
}

void genre(node release, const ern_message& m) {
  auto g = add(release, "Genre");
  attr(g, "ApplicableTerritoryCode", "Worldwide");
  add(g, "GenreText", m.rel.genre);
}

void deal_terms(node deal, const ern_message& m, const ern_deal& d) {
  auto terms = add(deal, "DealTerms");
  for (const auto& territory : m.rel.territories)
    add(terms, "TerritoryCode", territory);
  auto validity = add(terms, "ValidityPeriod");
  add(validity, "StartDate", m.rel.release_date);
  if (m.action == ern_action::takedown)
    add(validity, "EndDate", m.end_date);
  for (const auto& cm : d.commercial_models)
    add(terms, "CommercialModelType", cm);
  for (const auto& use : d.use_types)
    add(terms, "UseType", use);
}

} // namespace

std::string_view to_string(ern_action a) {
  switch (a) {
  case ern_action::initial: return "initial";
  case ern_action::update: return "update";
  case ern_action::takedown: return "takedown";
  }
  return "initial";
}

std::vector<ern_deal> default_deals() {
  return {{{"AdvertisementSupportedModel"}, {"NonInteractiveStream", "OnDemandStream"}},
          {{"SubscriptionModel"}, {"ConditionalDownload", "NonInteractiveStream", "OnDemandStream"}},
          {{"PayAsYouGoModel"}, {"PermanentDownload"}}};
}

std::string iso_duration(std::int64_t ms) {
  const auto minutes = ms / 60'000, seconds = ms / 1000 % 60, millis = ms % 1000;
  char buf[64];
  if (millis)
    std::snprintf(buf, sizeof buf, "PT%lldM%lld.%03lldS", static_cast<long long>(minutes), static_cast<long long>(seconds),
                  static_cast<long long>(millis));
  else
    std::snprintf(buf, sizeof buf, "PT%lldM%lldS", static_cast<long long>(minutes), static_cast<long long>(seconds));
  return buf;
}

std::string build_ern(const ern_message& m) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  attr(decl, "version", "1.0");
  attr(decl, "encoding", "UTF-8");
  auto root = doc.append_child("ern:NewReleaseMessage");
  attr(root, "xmlns:ern", "http://ddex.net/xml/ern/43");
  attr(root, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
  attr(root, "xsi:schemaLocation", "http://ddex.net/xml/ern/43 http://ddex.net/xml/ern/43/release-notification.xsd");
  attr(root, "ReleaseProfileVersionId", "Audio");
  attr(root, "LanguageAndScriptCode", "en");
  attr(root, "AvsVersionId", "3");

  auto header = add(root, "MessageHeader");
  add(header, "MessageThreadId", m.thread_id);
  add(header, "MessageId", m.message_id);
  party_header(header, "MessageSender", m.sender);
  party_header(header, "MessageRecipient", m.recipient);
  add(header, "MessageCreatedDateTime", m.created_at);
  add(header, "MessageControlType", m.test_message ? "TestMessage" : "LiveMessage");

  auto party_list = add(root, "PartyList");
  parties ps(party_list);
  ps.ref(m.artist_name);
  const auto label_ref = ps.ref(m.rel.label_name);

  auto resources = add(root, "ResourceList");
  for (std::size_t i = 0; i < m.tracks.size(); ++i)
    sound_recording(resources, m, m.tracks[i], i, ps);
  const auto cover_ref = "A" + std::to_string(m.tracks.size() + 1);
  const bool cover = m.rel.artwork.has_value() && !m.artwork_file.empty();
  if (cover)
    front_cover(resources, m, cover_ref);

  auto releases = add(root, "ReleaseList");
  auto main = add(releases, "Release");
  add(main, "ReleaseReference", "R0");
  add(main, "ReleaseType", ddex_release_type(m.rel.type));
  add(add(main, "ReleaseId"), "ICPN", m.rel.upc);
  display_title(main, m.rel.title);
  display_artists(main, {m.artist_name}, ps);
  label_and_lines(main, m, label_ref, true);
  std::int64_t total_ms = 0;
  for (const auto& t : m.tracks)
    total_ms += t.t.audio->duration_ms;
  add(main, "Duration", iso_duration(total_ms));
  genre(main, m);
  attr(add(main, "ReleaseDate", m.rel.release_date), "ApplicableTerritoryCode", "Worldwide");
  if (!m.rel.original_release_date.empty())
    attr(add(main, "OriginalReleaseDate", m.rel.original_release_date), "ApplicableTerritoryCode", "Worldwide");
  add(main, "ParentalWarningType", m.rel.parental_warning);
  auto group = add(main, "ResourceGroup");
  add(group, "SequenceNumber", "1");
  for (std::size_t i = 0; i < m.tracks.size(); ++i) {
    auto item = add(group, "ResourceGroupContentItem");
    add(item, "SequenceNumber", std::to_string(i + 1));
    add(item, "ReleaseResourceReference", "A" + std::to_string(i + 1));
  }
  if (cover) {
    auto link = add(group, "LinkedReleaseResourceReference", cover_ref);
    (void)link;
  }
  for (std::size_t i = 0; i < m.tracks.size(); ++i) {
    const auto n = std::to_string(i + 1);
    auto tr = add(releases, "TrackRelease");
    add(tr, "ReleaseReference", "R" + n);
    auto id = add(add(tr, "ReleaseId"), "ProprietaryId", m.rel.upc + "_" + m.tracks[i].t.isrc + "_R" + n);
    attr(id, "Namespace", m.sender.dpid);
    add(tr, "ReleaseResourceReference", "A" + n);
    label_and_lines(tr, m, label_ref, false);
    genre(tr, m);
  }

  auto deals = add(root, "DealList");
  auto release_deal = add(deals, "ReleaseDeal");
  for (std::size_t i = 0; i <= m.tracks.size(); ++i)
    add(release_deal, "DealReleaseReference", "R" + std::to_string(i));
  for (const auto& d : m.deals.empty() ? default_deals() : m.deals)
    deal_terms(add(release_deal, "Deal"), m, d);

  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

} // namespace tunemantra::domain
