#pragma once
// The DDEX ERN choreography for file transfer (SFTP batch profile): batch identifiers, the
// ManifestMessage that completes a batch, and the acknowledgement messages platforms write back.
// Pure: text in, text out. Schemas: ../shared/ddex/choreography/ (ern-c/15, ern-c-sftp/16 and /17).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ern.hpp"
#include "domain/time.hpp"

namespace tunemantra::domain {

/// How a platform wants a batch marked complete: a ManifestMessage of one choreography version, or
/// the zero-byte semaphore file the choreography allows for manual set-ups.
enum class manifest_kind { ern_c_sftp_16, ern_c_sftp_17, ern_c_15, semaphore };
std::string_view to_string(manifest_kind k); ///< "ern-c-sftp/16", ..., "semaphore"
std::optional<manifest_kind> parse_manifest_kind(std::string_view text);
/// Every kind, in the order the docs list them.
std::vector<manifest_kind> manifest_kinds();

/// A BatchId as the choreography defines it: the batch's creation time, YYYYMMDDhhmmssnnn in UTC.
std::string batch_id_at(millis t);
/// The batch's folder: a priority indicator ("N": none of its releases is a priority delivery)
/// and the BatchId.
std::string batch_folder(std::string_view batch_id);
/// The manifest's file name: BatchComplete_<BatchId>.xml.
std::string manifest_file(std::string_view batch_id);

/// One NewReleaseMessage in a batch.
struct batch_message {
  std::string message_id;
  std::string url;  ///< the message file, relative to the batch folder: <UPC>/<UPC>.xml
  std::string icpn; ///< the release's UPC/EAN
  ern_action action = ern_action::initial;
  std::string sha256; ///< hex SHA-256 of the message file
};

struct manifest {
  ern_party sender, recipient;
  std::string created_at; ///< RFC 3339
  bool test = false;
  std::string batch_id;
  std::vector<batch_message> messages;
};

/// The batch's manifest file contents (empty for the semaphore).
std::string build_manifest(const manifest& m, manifest_kind kind);

/// What a platform said about one release.
enum class ack_outcome {
  accepted,    ///< ingested (FileOK, SuccessfullyIngestedByReleaseDistributor, ...)
  rejected,    ///< refused, or a status we do not know: never taken for success
  in_progress, ///< a step on the way (ReleaseReceivedByReleaseDistributor, ...): nothing settled yet
};

struct release_ack {
  std::vector<std::string> release_ids; ///< ICPN, GRid, proprietary ids; the file's ReleaseId string
  ack_outcome outcome = ack_outcome::rejected;
  std::string status;                ///< the platform's value (its UserDefinedValue for UserDefined)
  std::string text;                  ///< ErrorText and the messages' Information, as the platform wrote them
  std::vector<std::string> affected; ///< ISRCs (or other ids) of the resources the text is about
  std::string message_id, batch_id;  ///< when the acknowledgement names them
  std::string date;                  ///< FtpAcknowledgementMessage: the batch's date, YYYY[-MM[-DD]]
};

struct ack_document {
  std::string kind; ///< FtpAcknowledgementMessage, ErnAcknowledgementStatusMessage, or legacy
  std::string namespace_uri;
  std::vector<release_ack> releases;
};

/// Reads an acknowledgement file. nullopt with `error` set when it is not well-formed XML (perhaps
/// still being written) or not an acknowledgement this reader knows.
std::optional<ack_document> parse_acknowledgement(std::string_view xml, std::string& error);

} // namespace tunemantra::domain
