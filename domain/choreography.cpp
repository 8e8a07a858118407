#include "domain/choreography.hpp"

#include <algorithm>
#include <array>
#include <sstream>

#include <pugixml.hpp>

namespace tunemantra::domain {
namespace {

using node = pugi::xml_node;

constexpr std::array<std::pair<manifest_kind, std::string_view>, 4> kind_names{{
    {manifest_kind::ern_c_sftp_16, "ern-c-sftp/16"},
    {manifest_kind::ern_c_sftp_17, "ern-c-sftp/17"},
    {manifest_kind::ern_c_15, "ern-c/15"},
    {manifest_kind::semaphore, "semaphore"},
}};

void text_child(node parent, const char* name, std::string_view value) {
  parent.append_child(name).text().set(std::string(value).c_str());
}

void party(node parent, const char* name, const ern_party& p) {
  auto n = parent.append_child(name);
  text_child(n, "PartyId", p.dpid);
  if (!p.name.empty())
    text_child(n.append_child("PartyName"), "FullName", p.name);
}

std::string_view delivery_type(ern_action a) {
  switch (a) {
  case ern_action::update: return "ReDelivery";
  case ern_action::takedown: return "TakeDown";
  default: return "NewReleaseDelivery";
  }
}

// --- reading -----------------------------------------------------------------------------------

std::string_view local_name(node n) {
  std::string_view name = n.name();
  const auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

/// The child with this local name: platforms prefix the unqualified children now and then.
node child(node parent, std::string_view name) {
  for (auto c : parent.children())
    if (c.type() == pugi::node_element && local_name(c) == name)
      return c;
  return {};
}

std::vector<node> children(node parent, std::string_view name) {
  std::vector<node> out;
  for (auto c : parent.children())
    if (c.type() == pugi::node_element && local_name(c) == name)
      out.push_back(c);
  return out;
}

std::string trimmed(node n) {
  std::string_view s = n.text().get();
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return std::string(s);
}

/// An AVS value as the platform meant it: UserDefined stands for its UserDefinedValue.
std::string avs_value(node n) {
  auto value = trimmed(n);
  if (value == "UserDefined") {
    const std::string user = n.attribute("UserDefinedValue").as_string();
    if (!user.empty())
      return user;
  }
  return value;
}

void append_text(std::string& to, std::string_view more) {
  if (more.empty() || to.find(more) != std::string::npos)
    return;
  if (!to.empty())
    to += "; ";
  to += more;
}

/// Every identifier in a ReleaseId or ResourceId composite (GRid, ICPN, ISRC, ProprietaryId, ...).
std::vector<std::string> ids_in(node composite) {
  std::vector<std::string> out;
  for (auto c : composite.children())
    if (c.type() == pugi::node_element)
      if (auto v = trimmed(c); !v.empty())
        out.push_back(std::move(v));
  return out;
}

std::vector<std::string> affected_resources(node parent) {
  std::vector<std::string> out;
  for (auto r : children(parent, "AffectedResource"))
    for (auto& id : ids_in(r))
      out.push_back(std::move(id));
  return out;
}

// ErncFileStatus: only FileOK says the file was taken.
ack_outcome file_status_outcome(std::string_view status) {
  return status == "FileOK" ? ack_outcome::accepted : ack_outcome::rejected;
}

// SupplyChainStatus (AVS 4): the ingested and published ones succeed, the steps before that are
// progress, the errors and anything else (UserDefined values, new codes) reject.
ack_outcome supply_chain_outcome(std::string_view status) {
  static constexpr std::array<std::string_view, 3> done{
      "SuccessfullyIngestedByReleaseDistributor", "ReleaseStagedForPublication", "ReleaseMadeAvailableToConsumers"};
  static constexpr std::array<std::string_view, 5> steps{
      "OrderPlacedForReleaseDistributor", "InPreparationForDeliveryToReleaseDistributor",
      "InDeliveryToReleaseDistributor", "DeliveredToReleaseDistributor", "ReleaseReceivedByReleaseDistributor"};
  if (std::find(done.begin(), done.end(), status) != done.end())
    return ack_outcome::accepted;
  if (std::find(steps.begin(), steps.end(), status) != steps.end())
    return ack_outcome::in_progress;
  return ack_outcome::rejected;
}

release_ack read_ftp_ack(node root) {
  release_ack a;
  const auto file = child(root, "AcknowledgedFile");
  if (auto id = trimmed(child(file, "ReleaseId")); !id.empty())
    a.release_ids.push_back(std::move(id));
  a.date = trimmed(child(file, "Date"));
  const auto status = child(root, "FileStatus");
  a.status = avs_value(status);
  a.outcome = status ? file_status_outcome(trimmed(status)) : ack_outcome::rejected;
  if (!status)
    a.status = "(no FileStatus)";
  a.text = trimmed(child(root, "ErrorText"));
  a.affected = affected_resources(root);
  return a;
}

release_ack read_release_status(node rs) {
  release_ack a;
  a.release_ids = ids_in(child(rs, "ReleaseId"));
  const auto status = child(rs, "ReleaseStatus");
  a.status = status ? avs_value(status) : "(no ReleaseStatus)";
  a.outcome = status ? supply_chain_outcome(trimmed(status)) : ack_outcome::rejected;
  a.text = trimmed(child(rs, "ErrorText"));
  a.affected = affected_resources(rs);
  // Per message: its ids and file statuses; one that is not FileOK rejects the release.
  for (auto ack : children(rs, "Acknowledgement")) {
    if (a.message_id.empty())
      a.message_id = trimmed(child(ack, "MessageId"));
    if (a.batch_id.empty())
      a.batch_id = trimmed(child(ack, "BatchId"));
    for (auto ms : children(ack, "MessageStatus")) {
      const auto st = child(ms, "Status");
      if (st && trimmed(st) != "FileOK" && a.outcome != ack_outcome::rejected) {
        a.outcome = ack_outcome::rejected;
        a.status = avs_value(st);
      }
      append_text(a.text, trimmed(child(ms, "Information")));
    }
  }
  return a;
}

/// The layout TuneMantra read before the DDEX messages (docs/delivery.md, "legacy"): a root of any
/// name with AcknowledgedMessageId (or MessageId) and Status.
std::optional<release_ack> read_legacy(node root) {
  auto find = [&](std::string_view name) {
    const auto hit = root.find_node([&](node n) { return n.type() == pugi::node_element && local_name(n) == name; });
    return hit ? trimmed(hit) : std::string();
  };
  release_ack a;
  a.message_id = find("AcknowledgedMessageId");
  if (a.message_id.empty())
    a.message_id = find("MessageId");
  a.status = find("Status");
  if (a.message_id.empty() || a.status.empty())
    return std::nullopt;
  a.outcome = a.status == "Accepted" || a.status == "FileOK" || a.status == "SuccessfullyIngested"
                  ? ack_outcome::accepted
                  : ack_outcome::rejected;
  a.text = find("ErrorText");
  return a;
}

} // namespace

std::string_view to_string(manifest_kind k) {
  for (const auto& [kind, name] : kind_names)
    if (kind == k)
      return name;
  return "ern-c-sftp/16";
}

std::optional<manifest_kind> parse_manifest_kind(std::string_view text) {
  for (const auto& [kind, name] : kind_names)
    if (name == text)
      return kind;
  return std::nullopt;
}

std::vector<manifest_kind> manifest_kinds() {
  std::vector<manifest_kind> out;
  for (const auto& [kind, name] : kind_names)
    out.push_back(kind);
  return out;
}

std::string batch_id_at(millis t) {
  std::string out;
  for (const char c : format_rfc3339(t)) // 2026-12-01T02:20:49.123Z
    if (c >= '0' && c <= '9')
      out += c;
  return out; // 20261201022049123
}

std::string batch_folder(std::string_view batch_id) { return "N_" + std::string(batch_id); }

std::string manifest_file(std::string_view batch_id) { return "BatchComplete_" + std::string(batch_id) + ".xml"; }

std::string build_manifest(const manifest& m, manifest_kind kind) {
  if (kind == manifest_kind::semaphore)
    return {};
  const std::string version(to_string(kind));
  const std::string ns = "http://ddex.net/xml/" + version;
  const std::string prefix = kind == manifest_kind::ern_c_15 ? "ern-c" : "ern-c-sftp";
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child((prefix + ":ManifestMessage").c_str());
  root.append_attribute(("xmlns:" + prefix).c_str()) = ns.c_str();
  root.append_attribute("MessageVersionId") = version.c_str();
  auto header = root.append_child("MessageHeader");
  party(header, "MessageSender", m.sender);
  party(header, "MessageRecipient", m.recipient);
  text_child(header, "MessageCreatedDateTime", m.created_at);
  text_child(root, "IsTestFlag", m.test ? "true" : "false");
  text_child(root, "RootDirectory", batch_folder(m.batch_id));
  text_child(root, "NumberOfMessages", std::to_string(m.messages.size()));
  for (const auto& msg : m.messages) {
    auto in = root.append_child("MessageInBatch");
    text_child(in, "MessageType", "NewReleaseMessage");
    text_child(in, "MessageId", msg.message_id);
    text_child(in, "URL", msg.url);
    text_child(in.append_child("IncludedReleaseId"), "ICPN", msg.icpn);
    text_child(in, "DeliveryType", delivery_type(msg.action));
    text_child(in, "ProductType", "AudioProduct");
    if (!msg.sha256.empty()) {
      auto hash = in.append_child("HashSum");
      text_child(hash, kind == manifest_kind::ern_c_sftp_17 ? "HashSumValue" : "HashSum", msg.sha256);
      text_child(hash, "HashSumAlgorithmType", "SHA-256");
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

std::optional<ack_document> parse_acknowledgement(std::string_view xml, std::string& error) {
  pugi::xml_document doc;
  const auto loaded = doc.load_buffer(xml.data(), xml.size());
  if (!loaded) {
    error = std::string("not well-formed XML: ") + loaded.description();
    return std::nullopt;
  }
  const auto root = doc.document_element();
  ack_document out;
  out.kind = std::string(local_name(root));
  const std::string_view name = root.name();
  const auto colon = name.find(':');
  const std::string xmlns = colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(name.substr(0, colon));
  out.namespace_uri = root.attribute(xmlns.c_str()).as_string();
  if (out.kind == "FtpAcknowledgementMessage") {
    out.releases.push_back(read_ftp_ack(root));
    return out;
  }
  if (out.kind == "ErnAcknowledgementStatusMessage") {
    for (auto rs : children(root, "ReleaseStatus"))
      out.releases.push_back(read_release_status(rs));
    if (out.releases.empty()) {
      error = "ErnAcknowledgementStatusMessage without a ReleaseStatus";
      return std::nullopt;
    }
    return out;
  }
  if (auto legacy = read_legacy(root)) {
    out.kind = "legacy";
    out.releases.push_back(std::move(*legacy));
    return out;
  }
  error = "not an acknowledgement: root element " + std::string(name);
  return std::nullopt;
}

} // namespace tunemantra::domain
