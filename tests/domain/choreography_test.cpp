// The DDEX choreography pieces: BatchIds, the ManifestMessage of each version (validated by xmllint
// against DDEX's schemas in ../shared/ddex/choreography), and the acknowledgement reader on
// messages written the way platforms write them (prefixes, namespaces, UserDefined values).

#include <fstream>

#include <gtest/gtest.h>

#include "domain/choreography.hpp"
#include "tests/support/xsd.hpp"

namespace tunemantra::domain {
namespace {

manifest two_release_manifest() {
  manifest m;
  m.sender = {"PADPIDA2014120301X", "TuneMantra"};
  m.recipient = {"PADPIDA2011072101T", "Example Music Service"};
  m.created_at = "2026-12-03T14:05:57.123Z";
  m.batch_id = "20261203140557123";
  m.messages.push_back({"TM-1-1", "0602445566778/0602445566778.xml", "0602445566778", ern_action::initial,
                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"});
  m.messages.push_back({"TM-1-2", "0602445566779/0602445566779.xml", "0602445566779", ern_action::takedown, ""});
  return m;
}

TEST(choreography, batch_ids_are_the_creation_time_to_the_millisecond) {
  EXPECT_EQ(batch_id_at(*parse_rfc3339("2023-05-26T04:05:55.041Z")), "20230526040555041");
  EXPECT_EQ(batch_folder("20230526040555041"), "N_20230526040555041");
  EXPECT_EQ(manifest_file("20230526040555041"), "BatchComplete_20230526040555041.xml");
}

TEST(choreography, every_manifest_version_validates_against_ddex_schema) {
  for (const auto kind : {manifest_kind::ern_c_sftp_16, manifest_kind::ern_c_sftp_17, manifest_kind::ern_c_15}) {
    const auto xml = build_manifest(two_release_manifest(), kind);
    const auto version = std::string(to_string(kind));
    EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path(version), xml), "") << xml;
    EXPECT_NE(xml.find("MessageVersionId=\"" + version + "\""), std::string::npos);
    EXPECT_NE(xml.find("<RootDirectory>N_20261203140557123</RootDirectory>"), std::string::npos);
    EXPECT_NE(xml.find("<NumberOfMessages>2</NumberOfMessages>"), std::string::npos);
    EXPECT_NE(xml.find("<DeliveryType>TakeDown</DeliveryType>"), std::string::npos);
  }
  EXPECT_EQ(build_manifest(two_release_manifest(), manifest_kind::semaphore), "");
}

TEST(choreography, the_checker_refuses_a_manifest_that_breaks_the_schema) {
  // The test above can fail: a manifest without its messages is refused by the same checker.
  auto xml = build_manifest(two_release_manifest(), manifest_kind::ern_c_sftp_16);
  const auto from = xml.find("<MessageInBatch>");
  xml.erase(from, xml.rfind("</MessageInBatch>") + 17 - from);
  EXPECT_NE(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/16"), xml), "");
}

TEST(choreography, a_real_platform_manifest_is_valid_to_the_checker_used_here) {
  std::ifstream in(std::string(TM_SOURCE_DIR) +
                   "/../shared/ddex/choreography/examples/ern-c-sftp-16_BatchComplete_N_20230526040555041.xml");
  const std::string xml((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(xml.empty());
  EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/16"), xml), "");
}

/// An FtpAcknowledgementMessage as a platform writes it: its own prefix, children unqualified.
std::string ftp_ack(const std::string& ns, const std::string& status, const std::string& extra = "") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<ernc:FtpAcknowledgementMessage xmlns:ernc=")" +
         ns + R"(" MessageVersionId="1.6">
  <MessageHeader>
    <MessageSender><PartyId>PADPIDA2011072101T</PartyId></MessageSender>
    <MessageRecipient><PartyId>PADPIDA2014120301X</PartyId></MessageRecipient>
    <MessageCreatedDateTime>2026-12-03T15:00:00Z</MessageCreatedDateTime>
  </MessageHeader>
  <AcknowledgedFile><ReleaseId>0602445566778</ReleaseId><Date>2026-12-03</Date></AcknowledgedFile>
  )" + status +
         extra + R"(
</ernc:FtpAcknowledgementMessage>
)";
}

TEST(choreography, ftp_acknowledgements_of_each_namespace_validate_and_read) {
  const auto ok = ftp_ack("http://ddex.net/xml/ern-c-sftp/16", "<FileStatus>FileOK</FileStatus>");
  EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/16"), ok), "") << ok;
  std::string error;
  auto doc = parse_acknowledgement(ok, error);
  ASSERT_TRUE(doc) << error;
  EXPECT_EQ(doc->kind, "FtpAcknowledgementMessage");
  EXPECT_EQ(doc->namespace_uri, "http://ddex.net/xml/ern-c-sftp/16");
  ASSERT_EQ(doc->releases.size(), 1u);
  EXPECT_EQ(doc->releases[0].outcome, ack_outcome::accepted);
  EXPECT_EQ(doc->releases[0].release_ids, std::vector<std::string>{"0602445566778"});
  EXPECT_EQ(doc->releases[0].date, "2026-12-03");

  const auto corrupt = ftp_ack("http://ddex.net/xml/ern-c/15", "<FileStatus>ResourceCorrupt</FileStatus>",
                               "\n  <ErrorText>track 2 is truncated</ErrorText>\n  "
                               "<ProposedActionType>ResendXmlAndResources</ProposedActionType>"
                               "\n  <AffectedResource><ISRC>GBAYE2600002</ISRC></AffectedResource>");
  EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c/15"), corrupt), "") << corrupt;
  doc = parse_acknowledgement(corrupt, error);
  ASSERT_TRUE(doc) << error;
  EXPECT_EQ(doc->releases[0].outcome, ack_outcome::rejected);
  EXPECT_EQ(doc->releases[0].status, "ResourceCorrupt");
  EXPECT_EQ(doc->releases[0].text, "track 2 is truncated");
  EXPECT_EQ(doc->releases[0].affected, std::vector<std::string>{"GBAYE2600002"});

  // ern-c/14 (choreography 1.4) is read the same way; a UserDefined status keeps the platform's value.
  doc = parse_acknowledgement(
      ftp_ack(
          "http://ddex.net/xml/ern-c/14",
          R"(<FileStatus Namespace="PADPIDA2011072101T" UserDefinedValue="LyricsMissing">UserDefined</FileStatus>)"),
      error);
  ASSERT_TRUE(doc) << error;
  EXPECT_EQ(doc->releases[0].outcome, ack_outcome::rejected);
  EXPECT_EQ(doc->releases[0].status, "LyricsMissing");
}

TEST(choreography, ern_acknowledgement_status_messages_read_per_release) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ern-c-sftp:ErnAcknowledgementStatusMessage xmlns:ern-c-sftp="http://ddex.net/xml/ern-c-sftp/17">
  <MessageHeader>
    <MessageId>ACK-77</MessageId>
    <MessageSender><PartyId>PADPIDA2011072101T</PartyId></MessageSender>
    <MessageRecipient><PartyId>PADPIDA2014120301X</PartyId></MessageRecipient>
    <MessageCreatedDateTime>2026-12-03T15:00:00Z</MessageCreatedDateTime>
  </MessageHeader>
  <ReleaseStatus>
    <ReleaseId><ICPN>0602445566778</ICPN></ReleaseId>
    <ReleaseStatus>SuccessfullyIngestedByReleaseDistributor</ReleaseStatus>
    <Acknowledgement>
      <MessageType>NewReleaseMessage</MessageType>
      <BatchId>20261203140557123</BatchId>
      <MessageId>TM-1-1</MessageId>
      <MessageStatus><Status>FileOK</Status></MessageStatus>
    </Acknowledgement>
  </ReleaseStatus>
  <ReleaseStatus>
    <ReleaseId><GRid>A10443ZR0WW1FSAKBM</GRid><ICPN>0602445566779</ICPN></ReleaseId>
    <ReleaseStatus>ProcessingErrorAtReleaseDistributor</ReleaseStatus>
    <ErrorText>cover is 500x500</ErrorText>
    <AffectedResource><ProprietaryId Namespace="PADPIDA2014120301X">0602445566779_cover</ProprietaryId></AffectedResource>
  </ReleaseStatus>
  <ReleaseStatus>
    <ReleaseId><ICPN>0602445566780</ICPN></ReleaseId>
    <ReleaseStatus>ReleaseReceivedByReleaseDistributor</ReleaseStatus>
  </ReleaseStatus>
  <ReleaseStatus>
    <ReleaseId><ICPN>0602445566781</ICPN></ReleaseId>
    <ReleaseStatus>SuccessfullyIngestedByReleaseDistributor</ReleaseStatus>
    <Acknowledgement>
      <MessageType>NewReleaseMessage</MessageType>
      <MessageId>TM-1-4</MessageId>
      <MessageStatus><Status>ResourceMissing</Status><Information>no audio for track 3</Information></MessageStatus>
    </Acknowledgement>
  </ReleaseStatus>
</ern-c-sftp:ErnAcknowledgementStatusMessage>
)";
  EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/17"), xml), "") << xml;
  std::string error;
  const auto doc = parse_acknowledgement(xml, error);
  ASSERT_TRUE(doc) << error;
  ASSERT_EQ(doc->releases.size(), 4u);
  const auto& ok = doc->releases[0];
  EXPECT_EQ(ok.outcome, ack_outcome::accepted);
  EXPECT_EQ(ok.message_id, "TM-1-1");
  EXPECT_EQ(ok.batch_id, "20261203140557123");
  const auto& refused = doc->releases[1];
  EXPECT_EQ(refused.outcome, ack_outcome::rejected);
  EXPECT_EQ(refused.release_ids, (std::vector<std::string>{"A10443ZR0WW1FSAKBM", "0602445566779"}));
  EXPECT_EQ(refused.text, "cover is 500x500");
  EXPECT_EQ(refused.affected, std::vector<std::string>{"0602445566779_cover"});
  EXPECT_EQ(doc->releases[2].outcome, ack_outcome::in_progress);
  // Ingested, but one message's file status says otherwise: not a success.
  EXPECT_EQ(doc->releases[3].outcome, ack_outcome::rejected);
  EXPECT_EQ(doc->releases[3].status, "ResourceMissing");
  EXPECT_EQ(doc->releases[3].text, "no audio for track 3");
}

TEST(choreography, unknown_statuses_are_never_success_and_broken_files_are_refused) {
  std::string error;
  auto doc = parse_acknowledgement(ftp_ack("http://ddex.net/xml/ern-c-sftp/16", "<FileStatus>FileMaybeOK</FileStatus>"),
                                   error);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->releases[0].outcome, ack_outcome::rejected);
  EXPECT_EQ(doc->releases[0].status, "FileMaybeOK");
  doc = parse_acknowledgement(ftp_ack("http://ddex.net/xml/ern-c-sftp/16", ""), error);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->releases[0].outcome, ack_outcome::rejected);

  EXPECT_FALSE(
      parse_acknowledgement("<?xml version=\"1.0\"?>\n<ernc:FtpAcknowledgementMessage xmlns:ernc=\"x\"><Ackno", error));
  EXPECT_NE(error.find("not well-formed"), std::string::npos);
  EXPECT_FALSE(parse_acknowledgement("<Invoice><Total>3</Total></Invoice>", error));
  EXPECT_FALSE(parse_acknowledgement("", error));
  EXPECT_FALSE(parse_acknowledgement(std::string("\0\xff\xfe<", 4), error));
}

TEST(choreography, the_older_tunemantra_layout_is_still_read) {
  std::string error;
  const auto doc = parse_acknowledgement(
      "<Acknowledgement><AcknowledgedMessageId>TM-9-1</AcknowledgedMessageId><Status>Rejected</Status>"
      "<ErrorText>Artwork has a watermark</ErrorText></Acknowledgement>",
      error);
  ASSERT_TRUE(doc) << error;
  EXPECT_EQ(doc->kind, "legacy");
  EXPECT_EQ(doc->releases[0].message_id, "TM-9-1");
  EXPECT_EQ(doc->releases[0].outcome, ack_outcome::rejected);
  EXPECT_EQ(doc->releases[0].text, "Artwork has a watermark");
}

} // namespace
} // namespace tunemantra::domain
