#pragma once
// XML Schema validation with libxml2, for tests that check generated DDEX messages against the
// official schema in ../shared/ddex.

#include <string>

namespace tunemantra::test {

/// The official DDEX ERN 4.3 schema beside the repository (../shared/ddex/ern43).
std::string ern43_schema_path();

/// Every validation error of `xml` against the schema at `schema_path` (empty: valid).
/// The schema is parsed once per path.
std::string xsd_errors(const std::string& schema_path, const std::string& xml);

/// The official DDEX choreography schema of a version ("ern-c-sftp/16", "ern-c-sftp/17", "ern-c/15")
/// in ../shared/ddex/choreography.
std::string choreography_schema_path(const std::string& version);

/// What DDEX's schema says of `xml` as xmllint (libxml2's own checker, an outside program) reports
/// it: empty when it validates, else xmllint's messages. Run with --nonet and the choreography's
/// XML catalog for the schemas' imports.
std::string xmllint_errors(const std::string& schema_path, const std::string& xml);

} // namespace tunemantra::test
