// Sales reports over real HTTP on both databases: a DSR imported, its revenue split exactly over
// the usage rows and matched to the account's recording and release; the same file refused with
// 409; a broken file refused whole with its problems by line; CSV; bad requests.

#include <fstream>

#include <zlib.h>

#include <gtest/gtest.h>

#include "domain/crypto.hpp"
#include "tests/http/delivery_fixture.hpp"
#include "tests/support/dsr_writer.hpp"

namespace tunemantra::http {
namespace {

class sales_api : public delivery_fixture {
protected:
  httplib::Result upload(const std::string& key, const std::string& body, const std::string& type) {
    return as(key).Post("/api/sales-reports", body, type.c_str());
  }

  /// A DSR for one summary of 10.00 GBP over 3 streams: 2 of `isrc` (on release `upc`), 1 of an
  /// ISRC nobody has. `foot` false leaves the FOOT out (a truncated file).
  /// A Basic Audio Profile 1.2 report (CRLF line ends): one subscription summary of 3 streams for
  /// 10.00 GBP; a release with the caller's track and someone else's. Without `foot`, truncated.
  static std::string dsr(const std::string& message_id, const std::string& isrc, const std::string& upc, bool foot = true) {
    test::dsr_writer w("BasicAudioProfile", "1.2");
    w.comment("HEAD\tMessageVersion");
    w.head(message_id, "StreamCo", "2026-10-01", "2026-10-31");
    w.record("SY01.01", {{"SummaryRecordId", "S1"}, {"CommercialModel", "SubscriptionModel"}, {"UseType", "OnDemandStream"},
                         {"Territory", "GB"}, {"ServiceDescription", "Premium"}, {"Usages", "3"}, {"Subscribers", "10"},
                         {"CurrencyOfReporting", "GBP"}, {"NetRevenue", "10.00"}});
    w.record("RE01", {{"BlockId", "1"}, {"ReleaseReference", "R1"}, {"DspReleaseId", "r1"}, {"ICPN", upc},
                      {"DisplayArtistName", "The Artist"}, {"Title", "Title"}});
    for (const auto& [ref, code] : {std::pair{"A1", isrc}, std::pair{"A2", std::string("GBAYE2499999")}})
      w.record("AS02.02", {{"BlockId", "1"}, {"ResourceReference", ref}, {"DspResourceId", std::string("dsp-") + ref},
                           {"ISRC", code}, {"Title", "Song"}, {"DisplayArtistName", "The Artist"},
                           {"ResourceType", "SoundRecording"}});
    w.record("SU02", {{"BlockId", "1"}, {"SummaryRecordId", "S1"}, {"SalesTransactionId", "T1"}, {"TransactedRelease", "R1"},
                      {"TransactedResource", "A1"}, {"IsRoyaltyBearing", "true"}, {"NumberOfStreams", "2"}});
    w.record("SU02", {{"BlockId", "1"}, {"SummaryRecordId", "S1"}, {"SalesTransactionId", "T2"}, {"TransactedResource", "A2"},
                      {"IsRoyaltyBearing", "true"}, {"NumberOfStreams", "1"}});
    auto text = w.finish();
    if (!foot)
      text.erase(text.rfind("FOOT"));
    std::string crlf;
    for (const char c : text)
      crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return crlf;
  }

  /// A Basic Audio Profile 1.2 report in two files, one summary of 10.00 GBP over 3 streams:
  /// file 1 has a block of 2 streams of `isrc`, file 2 a block of 1 stream of an ISRC nobody has.
  static std::vector<std::string> two_files(const std::string& message_id, const std::string& isrc) {
    return test::dsr_report("BasicAudioProfile", "1.2", message_id, "StreamCo", "2026-10-01", "2026-10-31", 2,
                            [&](test::dsr_writer& w, int n) {
      w.record("SY01.01", {{"SummaryRecordId", "S1"}, {"CommercialModel", "SubscriptionModel"},
                           {"UseType", "OnDemandStream"}, {"Territory", "GB"}, {"ServiceDescription", "Premium"},
                           {"Usages", "3"}, {"CurrencyOfReporting", "GBP"}, {"NetRevenue", "10.00"}});
      const auto block = std::to_string(n);
      w.record("AS01.01", {{"BlockId", block}, {"ResourceReference", "A" + block}, {"DspResourceId", "dsp-" + block},
                           {"ISRC", n == 1 ? isrc : "GBAYE2499999"}, {"Title", "Song"},
                           {"DisplayArtistName", "The Artist"}, {"ResourceType", "SoundRecording"}});
      w.record("MW01.01", {{"BlockId", block}, {"DspWorkId", "w" + block}, {"ISWC", "T0345246801"}, {"Title", "The Work"}});
      w.record("SU02", {{"BlockId", block}, {"SummaryRecordId", "S1"}, {"SalesTransactionId", "T" + block},
                        {"TransactedResource", "A" + block}, {"IsRoyaltyBearing", "true"},
                        {"NumberOfStreams", n == 1 ? "2" : "1"}});
    });
  }

  static std::string file_name(int n) {
    return test::dsr_writer::file_name("TuneMantra", "StreamCo", "Premium", "2026-10", "GB", n, 2);
  }

  std::pair<std::string, std::string> isrc_and_upc(const std::string& key, std::int64_t release) {
    const auto rel = std::to_string(release);
    const auto tracks = body_of(as(key).Get("/api/releases/" + rel + "/tracks"))["data"];
    const auto upc = body_of(as(key).Get("/api/releases/" + rel))["data"]["upc"];
    return {tracks[0]["isrc"].get<std::string>(), upc.get<std::string>()};
  }
};

TEST_P(sales_api, a_dsr_is_imported_matched_and_split_exactly_and_the_same_file_is_refused) {
  const auto [isrc, upc] = isrc_and_upc(alice_, ready_release(alice_, 1));
  const auto file = dsr("MSG-100", isrc, upc);
  { // the file a platform would send: DDEX's own checker passes it
    test::temp_dir dir;
    const auto path = dir.path() / test::dsr_writer::file_name("TuneMantra", "StreamCo", "Premium", "2026-10", "GB");
    std::ofstream(path, std::ios::binary) << file;
    const auto check = test::dsr_check(path);
    EXPECT_TRUE(check.passed) << check.output;
  }
  auto r = upload(alice_, file, "text/tab-separated-values");
  ASSERT_EQ(r->status, 202) << r->body;
  const auto accepted = body_of(r)["data"];
  const auto job = accepted["job"]["id"].get<std::int64_t>();
  EXPECT_EQ(r->get_header_value("Location"), "/api/jobs/" + std::to_string(job));
  EXPECT_EQ(accepted["job"]["kind"], "sales_import");
  EXPECT_EQ(accepted["report"]["messageId"], "MSG-100");
  const auto done = wait_terminal(alice_, job);
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["result"]["rows"], 2);
  EXPECT_EQ(done["result"]["unmatchedRows"], 1);

  const auto report_id = accepted["report"]["id"].get<std::int64_t>();
  const auto report = body_of(as(alice_).Get("/api/sales-reports/" + std::to_string(report_id)))["data"];
  EXPECT_EQ(report["status"], "imported");
  EXPECT_EQ(report["platform"], "StreamCo");
  EXPECT_EQ(report["usageStart"], "2026-10-01");
  ASSERT_EQ(report["unmatched"].size(), 1u);
  EXPECT_EQ(report["unmatched"][0]["isrc"], "GBAYE2499999");
  EXPECT_EQ(report["unmatched"][0]["line"], 8);
  EXPECT_EQ(report["unmatched"][0]["revenue"], "3.333333"); // 10.00 over 2 + 1 streams: 6.666667 + 3.333333

  r = upload(alice_, file, "text/tab-separated-values");
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_EQ(body_of(r)["error"]["code"], "CONFLICT");
  r = upload(alice_, dsr("MSG-100", isrc, upc) + "#another comment\n", "text/tab-separated-values");
  EXPECT_EQ(r->status, 409) << r->body; // another file, the same MessageId

  EXPECT_EQ(as(bob_).Get("/api/sales-reports/" + std::to_string(report_id))->status, 404); // another account's
  EXPECT_EQ(as(admin_).Get("/api/sales-reports/" + std::to_string(report_id))->status, 200);
}

TEST_P(sales_api, a_broken_file_is_refused_whole_and_may_be_sent_again_fixed) {
  const auto [isrc, upc] = isrc_and_upc(alice_, ready_release(alice_, 1));
  auto r = upload(alice_, dsr("MSG-200", isrc, upc, false), "text/tab-separated-values");
  ASSERT_EQ(r->status, 202) << r->body;
  const auto accepted = body_of(r)["data"];
  const auto done = wait_terminal(alice_, accepted["job"]["id"].get<std::int64_t>());
  EXPECT_EQ(done["status"], "failed") << done.dump();
  EXPECT_EQ(done["result"]["problems"][0]["line"], 8);
  EXPECT_EQ(done["result"]["problems"][0]["message"], "no FOOT record: the file is truncated");
  const auto report =
    body_of(as(alice_).Get("/api/sales-reports/" + std::to_string(accepted["report"]["id"].get<std::int64_t>())))["data"];
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["rows"], 0);

  r = upload(alice_, dsr("MSG-200", isrc, upc), "text/tab-separated-values");
  ASSERT_EQ(r->status, 202) << r->body; // the fixed file, same MessageId: the failed one does not count
  EXPECT_EQ(wait_terminal(alice_, body_of(r)["data"]["job"]["id"].get<std::int64_t>())["status"], "succeeded");
}

TEST_P(sales_api, bytes_that_are_not_utf8_are_refused_by_line_and_never_break_a_later_read) {
  const auto release = ready_release(alice_, 1);
  const auto [isrc, upc] = isrc_and_upc(alice_, release);
  // A DSR whose first line is not UTF-8: refused once with the line, not crash-looped, and the
  // corrected file is taken afterwards.
  auto r = upload(alice_, std::string("NOTHEAD\x92\n") + dsr("MSG-300", isrc, upc), "text/tab-separated-values");
  ASSERT_EQ(r->status, 202) << r->body;
  auto done = wait_terminal(alice_, body_of(r)["data"]["job"]["id"].get<std::int64_t>());
  EXPECT_EQ(done["status"], "failed") << done.dump();
  EXPECT_EQ(done["attempts"], 1) << done.dump();
  EXPECT_EQ(done["result"]["problems"][0]["line"], 1);
  EXPECT_EQ(done["result"]["problems"][0]["message"], "the line is not UTF-8: byte 0x92 at column 8");
  r = upload(alice_, dsr("MSG-300", isrc, upc), "text/tab-separated-values");
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(wait_terminal(alice_, body_of(r)["data"]["job"]["id"].get<std::int64_t>())["status"], "succeeded");

  // A CSV row whose platform is not UTF-8: refused, and every read afterwards answers 200.
  const std::string csv = "platform,period,territory,isrc,upc,use_type,quantity,net_revenue,currency\n"
                          "S\xff,2026-01,GB," + isrc + ",,stream,10,1.50,EUR\n";
  r = upload(alice_, csv, "text/csv");
  ASSERT_EQ(r->status, 202) << r->body;
  const auto report_id = body_of(r)["data"]["report"]["id"].get<std::int64_t>();
  done = wait_terminal(alice_, body_of(r)["data"]["job"]["id"].get<std::int64_t>());
  EXPECT_EQ(done["status"], "failed") << done.dump();
  EXPECT_EQ(done["result"]["problems"][0]["line"], 2);
  EXPECT_EQ(as(alice_).Get("/api/sales-reports/" + std::to_string(report_id))->status, 200);
  EXPECT_EQ(as(alice_).Get("/api/analytics/releases/" + std::to_string(release) + "?groupBy=platform")->status, 200);
}

TEST_P(sales_api, csv_reports_and_bad_requests) {
  const auto [isrc, upc] = isrc_and_upc(alice_, ready_release(alice_, 1));
  const std::string csv = "platform,period,territory,isrc,upc,use_type,quantity,net_revenue,currency\n"
                          "\"Shop, Inc.\",2026-10,US," + isrc + ",,download,3,2.97,USD\n"
                          "Shop,2026-10-05,US,," + upc + ",download,1,0.99,USD\n";
  auto r = upload(alice_, csv, "text/csv; charset=utf-8");
  ASSERT_EQ(r->status, 202) << r->body;
  const auto done = wait_terminal(alice_, body_of(r)["data"]["job"]["id"].get<std::int64_t>());
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["result"]["rows"], 2);
  EXPECT_EQ(done["result"]["unmatchedRows"], 0);

  r = upload(alice_, csv, "application/json");
  EXPECT_EQ(r->status, 415) << r->body;
  r = upload(alice_, "", "text/csv");
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(as(alice_).Get("/api/sales-reports/999999")->status, 404);
  EXPECT_EQ(as(alice_).Get("/api/sales-reports/1?unmatched=5000")->status, 400);
  EXPECT_EQ(live_->client().Post("/api/sales-reports", csv, "text/csv")->status, 401);
}

/// `text` as gzip(1) writes it (one member; `members` > 1 splits it into that many members).
std::string gzip(const std::string& text, int members = 1) {
  std::string out;
  const auto part = text.size() / static_cast<std::size_t>(members) + 1;
  for (std::size_t from = 0; from < text.size(); from += part) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    const auto piece = text.substr(from, part);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    z.avail_in = static_cast<uInt>(piece.size());
    std::string buffer(deflateBound(&z, piece.size()) + 64, '\0');
    z.next_out = reinterpret_cast<Bytef*>(buffer.data());
    z.avail_out = static_cast<uInt>(buffer.size());
    deflate(&z, Z_FINISH);
    buffer.resize(buffer.size() - z.avail_out);
    deflateEnd(&z);
    out += buffer;
  }
  return out;
}

TEST_P(sales_api, gzip_reports_are_inflated_as_they_arrive_and_bad_ones_refused) {
  cfg_.media.max_sales_report_bytes = 1 << 20; // a 1 MiB limit on the report, inflated
  live_.reset();
  start();
  const auto [isrc, upc] = isrc_and_upc(alice_, ready_release(alice_, 1));
  auto imported = [&](const httplib::Result& r) {
    EXPECT_EQ(r->status, 202) << r->body;
    if (r->status != 202)
      return json();
    const auto done = wait_terminal(alice_, body_of(r)["data"]["job"]["id"].get<std::int64_t>());
    EXPECT_EQ(done["status"], "succeeded") << done.dump();
    return body_of(r)["data"]["report"];
  };
  // application/gzip named .tsv.gz; the hash is the report's own, so the plain file is the same one.
  const auto plain = dsr("MSG-GZ1", isrc, upc);
  auto report = imported(as(alice_).Post("/api/sales-reports?filename=DSR_StreamCo_2026-10.tsv.gz", gzip(plain), "application/gzip"));
  EXPECT_EQ(report["format"], "dsr");
  EXPECT_EQ(report["messageId"], "MSG-GZ1");
  EXPECT_EQ(report["sha256"], domain::crypto::sha256_hex(plain));
  EXPECT_EQ(upload(alice_, plain, "text/tab-separated-values")->status, 409);
  // Content-Encoding: gzip on a DSR; and application/gzip without a name, in several gzip members.
  httplib::Headers encoded{{"Content-Encoding", "gzip"}};
  report = imported(as(alice_).Post("/api/sales-reports", encoded, gzip(dsr("MSG-GZ2", isrc, upc)), "text/tab-separated-values"));
  EXPECT_EQ(report["messageId"], "MSG-GZ2");
  report = imported(as(alice_).Post("/api/sales-reports", gzip(dsr("MSG-GZ3", isrc, upc), 3), "application/gzip"));
  EXPECT_EQ(report["format"], "dsr"); // by its first line
  const std::string csv = "platform,period,territory,isrc,upc,use_type,quantity,net_revenue,currency\n"
                          "Shop,2026-10,US," + isrc + ",,download,3,2.97,USD\n";
  report = imported(as(alice_).Post("/api/sales-reports?filename=shop.csv.gz", gzip(csv), "application/gzip"));
  EXPECT_EQ(report["format"], "csv");

  // Refused, each with a reason: corrupt, cut short, not gzip at all, and larger than the limit inflated.
  auto refused = [&](const httplib::Result& r, int status, const std::string& words) {
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_NE(r->body.find(words), std::string::npos) << r->body;
  };
  auto corrupt = gzip(dsr("MSG-GZ4", isrc, upc));
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt[corrupt.size() / 2 + 1] ^= 0x55;
  refused(as(alice_).Post("/api/sales-reports", corrupt, "application/gzip"), 400, "gzip");
  const auto whole = gzip(dsr("MSG-GZ5", isrc, upc));
  refused(as(alice_).Post("/api/sales-reports", whole.substr(0, whole.size() - 12), "application/gzip"), 400, "cut short");
  refused(as(alice_).Post("/api/sales-reports", plain, "application/gzip"), 400, "not gzip");
  const auto limit = static_cast<std::size_t>(cfg_.media.max_sales_report_bytes);
  refused(as(alice_).Post("/api/sales-reports", gzip(std::string(limit + 1024, '#')), "application/gzip"), 413, "larger than");
}

TEST_P(sales_api, a_report_in_two_files_waits_for_both_and_imports_as_one) {
  const auto [isrc, upc] = isrc_and_upc(alice_, ready_release(alice_, 1));
  const auto files = two_files("MSG-TWO", isrc);
  { // DDEX's checker on the two files, named as a platform names them
    test::temp_dir dir;
    std::vector<std::filesystem::path> paths;
    for (int n = 1; n <= 2; ++n)
      std::ofstream(paths.emplace_back(dir.path() / file_name(n)), std::ios::binary) << files[n - 1];
    const auto check = test::dsr_check(paths);
    EXPECT_TRUE(check.passed) << check.output;
  }
  const auto post = [&](const std::string& key, const std::string& body, const std::string& name) {
    return as(key).Post("/api/sales-reports?filename=" + name, body, "text/tab-separated-values");
  };
  // File 2 first: the report waits, with no job, and says which file is missing.
  auto r = post(alice_, files[1], file_name(2));
  ASSERT_EQ(r->status, 202) << r->body;
  auto report = body_of(r)["data"]["report"];
  const auto id = report["id"].get<std::int64_t>();
  EXPECT_EQ(body_of(r)["data"]["job"], nullptr);
  EXPECT_EQ(r->get_header_value("Location"), "/api/sales-reports/" + std::to_string(id));
  EXPECT_EQ(report["status"], "waiting");
  EXPECT_EQ(report["numberOfFiles"], 2);
  EXPECT_EQ(report["missingFiles"], json::array({1}));
  ASSERT_EQ(report["files"].size(), 1u);
  EXPECT_EQ(report["files"][0]["fileNumber"], 2);
  EXPECT_EQ(report["files"][0]["bytes"], files[1].size());
  report = body_of(as(alice_).Get("/api/sales-reports/" + std::to_string(id)))["data"];
  EXPECT_EQ(report["status"], "waiting");
  EXPECT_EQ(report["rows"], 0);
  // The same file again; a file of the message that says it has 3 files; a name and HEAD that disagree.
  r = post(alice_, files[1], file_name(2));
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_EQ(body_of(r)["error"]["details"]["existingReportId"], id);
  auto three = files[0];
  three.replace(three.find("\t1\t2\t"), 5, "\t1\t3\t");
  EXPECT_EQ(post(alice_, three, "DSR_TuneMantra_StreamCo_Premium_2026-10_GB_1of3_20260203T040506.tsv")->status, 409);
  r = post(alice_, files[0], file_name(2));
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(body_of(r)["error"]["message"].get<std::string>().find("file name says file 2 of 2, its HEAD file 1 of 2"),
            std::string::npos);
  // Another account's file of the same MessageId is its own report.
  r = post(bob_, files[0], file_name(1));
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_NE(body_of(r)["data"]["report"]["id"], id);

  // The last file in: one import of both, the summary's revenue shared over the files exactly.
  r = post(alice_, files[0], file_name(1));
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(body_of(r)["data"]["report"]["id"], id);
  const auto job = body_of(r)["data"]["job"]["id"].get<std::int64_t>();
  EXPECT_EQ(r->get_header_value("Location"), "/api/jobs/" + std::to_string(job));
  const auto done = wait_terminal(alice_, job);
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["result"]["rows"], 2);
  report = body_of(as(alice_).Get("/api/sales-reports/" + std::to_string(id)))["data"];
  EXPECT_EQ(report["status"], "imported");
  EXPECT_EQ(report["missingFiles"], json::array());
  EXPECT_EQ(report["files"].size(), 2u);
  EXPECT_EQ(report["unmatchedRows"], 1);
  ASSERT_EQ(report["unmatched"].size(), 1u);
  EXPECT_EQ(report["unmatched"][0]["file"], 2);
  EXPECT_EQ(report["unmatched"][0]["line"], 5);
  EXPECT_EQ(report["unmatched"][0]["iswc"], "T0345246801"); // the work of the resource, from MW01.01
  EXPECT_EQ(report["unmatched"][0]["workTitle"], "The Work");
  EXPECT_EQ(report["unmatched"][0]["revenue"], "3.333333"); // 10.00 over 2 streams in file 1, 1 in file 2
  EXPECT_EQ(post(alice_, files[0], file_name(1))->status, 409); // imported: every file of it is known

  // A broken two-file report fails whole, its problems naming the file; nothing of it counts.
  auto broken = two_files("MSG-TWO-BAD", isrc);
  broken[1].replace(broken[1].find("10.00"), 5, "12.00"); // file 2's summary is not file 1's
  ASSERT_EQ(post(alice_, broken[0], file_name(1))->status, 202);
  r = post(alice_, broken[1], file_name(2));
  ASSERT_EQ(r->status, 202) << r->body;
  const auto failed = wait_terminal(alice_, body_of(r)["data"]["job"]["id"].get<std::int64_t>());
  EXPECT_EQ(failed["status"], "failed") << failed.dump();
  EXPECT_EQ(failed["result"]["problems"][0]["file"], 2) << failed.dump();
  EXPECT_EQ(failed["result"]["problems"][0]["line"], 2);
  report = body_of(as(alice_).Get("/api/sales-reports/" + body_of(r)["data"]["report"]["id"].dump()))["data"];
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["rows"], 0);
  EXPECT_EQ(report["problems"][0]["file"], 2);
}

INSTANTIATE_TEST_SUITE_P(backends, sales_api, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::http
