// Uploads: PUT /api/tracks/{id}/audio (WAV or FLAC) and PUT /api/releases/{id}/artwork (JPEG or
// PNG). The body streams to a temp file in the media directory while its SHA-256 is computed; the
// bytes (not the Content-Type) decide what the file is; only a file that decodes completely is
// moved to its content-hash name and recorded. Anything else leaves no file and no row.

#include <initializer_list>

#include <httplib.h>

#include "domain/media.hpp"
#include "http/auth.hpp"
#include "http/catalog_json.hpp"
#include "http/envelope.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace tunemantra::http {
namespace {

using nlohmann::json;
using domain::media_kind;

std::string names(std::initializer_list<media_kind> kinds) {
  std::string out;
  for (auto k : kinds)
    out += (out.empty() ? "" : " or ") + std::string(domain::to_string(k));
  return out;
}

/// Streams the body into a new upload and checks that its bytes are one of `accepted` and agree
/// with the Content-Type. Answers the error and returns null when they are not.
std::unique_ptr<persistence::media_files::upload> receive(services& s, const httplib::Request& req, httplib::Response& res,
                                                          const body_reader& read,
                                                          std::initializer_list<media_kind> accepted,
                                                          std::int64_t limit, media_kind& kind) {
  const auto is_accepted = [&](media_kind k) { return std::find(accepted.begin(), accepted.end(), k) != accepted.end(); };
  const auto type = req.get_header_value("Content-Type");
  const auto declared = domain::media_kind_for_content_type(type);
  const bool generic = type.empty() || type.starts_with("application/octet-stream");
  if (!generic && !is_accepted(declared)) {
    send_error(res, "UNSUPPORTED_MEDIA_TYPE", "send " + names(accepted) + " bytes", {{"contentType", type}});
    return nullptr;
  }
  auto upload = s.media.begin(limit);
  const bool complete = read([&](const char* data, std::size_t size) { return upload->write({data, size}); });
  if (!complete) {
    if (upload->over_limit())
      send_error(res, "PAYLOAD_TOO_LARGE", "the upload is larger than " + std::to_string(limit) + " bytes",
                 {{"limit", limit}});
    else
      send_error(res, "VALIDATION_ERROR", "the upload was cut short");
    res.set_header("Connection", "close");
    return nullptr;
  }
  if (upload->bytes() == 0) {
    send_error(res, "VALIDATION_ERROR", "the body is empty; send the file's bytes",
               json::array({{{"field", "body"}, {"message", "is empty"}}}));
    return nullptr;
  }
  kind = domain::sniff_media(upload->head());
  if (!is_accepted(kind)) {
    send_error(res, "UNSUPPORTED_MEDIA_TYPE", "the file is not " + names(accepted), {{"contentType", type}});
    return nullptr;
  }
  if (!generic && declared != kind) {
    send_error(res, "UNSUPPORTED_MEDIA_TYPE",
               "the Content-Type says " + std::string(domain::to_string(declared)) + " but the file is "
                 + std::string(domain::to_string(kind)),
               {{"contentType", type}, {"detected", domain::to_string(kind)}});
    return nullptr;
  }
  upload->finish();
  return upload;
}

void reject_file(httplib::Response& res, const domain::media_error& e) {
  send_error(res, "VALIDATION_ERROR", std::string("the file is damaged: ") + e.what(),
             json::array({{{"field", "body"}, {"message", e.what()}}}));
}

/// Receives the upload, measures it with `analyse` and moves it to `<folder>/<sha256>.<ext>`.
/// Answers the error and returns nullopt when the file is refused.
template <class Info, class Analyse>
std::optional<Info> accept_file(services& s, const httplib::Request& req, httplib::Response& res, const body_reader& read,
                                std::initializer_list<media_kind> accepted, std::int64_t limit, std::string_view folder,
                                Analyse analyse) {
  media_kind kind{};
  auto upload = receive(s, req, res, read, accepted, limit, kind);
  if (!upload)
    return std::nullopt;
  Info info;
  try {
    info = analyse(upload->temp_path(), kind);
  } catch (const domain::media_error& e) {
    reject_file(res, e);
    return std::nullopt;
  }
  info.bytes = upload->bytes();
  info.sha256 = upload->sha256();
  info.file = upload->store(folder, domain::extension(kind));
  return info;
}

} // namespace

void add_media_routes(router& r, services& s) {
  r.add_upload(
    "PUT", "/api/tracks/{id}/audio", access::needs("catalog:write"),
    [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx, const body_reader& read) {
      const auto account = ctx.who->user.id;
      const auto before = s.store.catalog().find_track(account, std::stoll(ctx.params[0]));
      if (!before)
        return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
      const auto audio = accept_file<domain::audio_info>(s, req, res, read, {media_kind::wav, media_kind::flac},
                                                          s.cfg.media.max_audio_bytes, "audio", domain::analyse_audio);
      if (!audio)
        return;
      if (!s.store.catalog().set_recording_audio(account, before->recording_id, *audio))
        return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
      auto after = s.store.catalog().find_track(account, before->id);
      if (!after)
        return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
      audit(s, req, ctx.who, "track_audio_uploaded", "recording:" + std::to_string(before->recording_id),
            {{"trackId", before->id},
             {"before", before->audio ? audio_json(*before->audio) : json(nullptr)},
             {"after", audio_json(*audio)}});
      send_data(res, 200, track_json(*after));
    },
    static_cast<std::size_t>(s.cfg.media.max_audio_bytes));

  r.add_upload(
    "PUT", "/api/releases/{id}/artwork", access::needs("catalog:write"),
    [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx, const body_reader& read) {
      const auto account = ctx.who->user.id;
      const auto before = s.store.catalog().find_release(account, std::stoll(ctx.params[0]));
      if (!before)
        return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
      const auto image = accept_file<domain::image_info>(s, req, res, read, {media_kind::jpeg, media_kind::png},
                                                          s.cfg.media.max_artwork_bytes, "artwork",
                                                          [&s](const std::filesystem::path& file, media_kind kind) {
                                                            return domain::probe_image(
                                                              file, kind,
                                                              static_cast<std::uint64_t>(s.cfg.media.max_artwork_pixels));
                                                          });
      if (!image)
        return;
      if (!s.store.catalog().set_release_artwork(account, before->id, *image))
        return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
      auto after = s.store.catalog().find_release(account, before->id);
      if (!after)
        return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
      audit(s, req, ctx.who, "release_artwork_uploaded", "release:" + ctx.params[0],
            {{"before", before->artwork ? artwork_json(*before->artwork) : json(nullptr)}, {"after", artwork_json(*image)}});
      send_data(res, 200, release_json(*after));
    },
    static_cast<std::size_t>(s.cfg.media.max_artwork_bytes));
}

} // namespace tunemantra::http
