#include "tests/support/xsd.hpp"

#include <cstdarg>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

namespace tunemantra::test {
namespace {

void collect(void* ctx, const char* fmt, ...) {
  char buf[2048];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  static_cast<std::string*>(ctx)->append(buf);
}

} // namespace

std::string choreography_schema_path(const std::string& version) {
  const auto dir = std::string(TM_SOURCE_DIR) + "/../shared/ddex/choreography/" + version;
  return dir + (version.starts_with("ern-c-sftp") ? "/ern-choreography-sftp.xsd" : "/ern-choreography.xsd");
}

std::string xmllint_errors(const std::string& schema_path, const std::string& xml) {
  char name[] = "/tmp/tm-xmllint-XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0)
    throw std::runtime_error("mkstemp failed");
  if (::write(fd, xml.data(), xml.size()) != static_cast<ssize_t>(xml.size()))
    throw std::runtime_error("writing the message failed");
  ::close(fd);
  const auto catalog = std::string(TM_SOURCE_DIR) + "/../shared/ddex/choreography/catalog.xml";
  const auto command = "XML_CATALOG_FILES='" + catalog + "' xmllint --nonet --noout --schema '" + schema_path + "' '"
                       + name + "' 2>&1";
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    while (const auto n = std::fread(buf, 1, sizeof buf, p))
      out.append(buf, n);
    const int rc = ::pclose(p);
    ::unlink(name);
    if (rc == 0 && out.find(" validates") != std::string::npos)
      return "";
    return out.empty() ? "xmllint exited with " + std::to_string(rc) : out;
  }
  ::unlink(name);
  throw std::runtime_error("cannot run xmllint");
}

std::string ern43_schema_path() { return std::string(TM_SOURCE_DIR) + "/../shared/ddex/ern43/release-notification.xsd"; }

std::string xsd_errors(const std::string& schema_path, const std::string& xml) {
  struct schema_free {
    void operator()(xmlSchemaPtr s) const { xmlSchemaFree(s); }
  };
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<xmlSchema, schema_free>> schemas; // freed at exit
  std::lock_guard lock(mutex);
  auto& slot = schemas[schema_path];
  if (!slot) {
    xmlSchemaParserCtxtPtr parser = xmlSchemaNewParserCtxt(schema_path.c_str());
    slot.reset(xmlSchemaParse(parser));
    xmlSchemaFreeParserCtxt(parser);
    if (!slot)
      throw std::runtime_error("cannot load the schema " + schema_path);
  }
  xmlSchemaPtr schema = slot.get();
  std::string errors;
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "message.xml", nullptr, XML_PARSE_NONET);
  if (!doc)
    return "not well-formed XML";
  xmlSchemaValidCtxtPtr valid = xmlSchemaNewValidCtxt(schema);
  xmlSchemaSetValidErrors(valid, collect, collect, &errors);
  const int rc = xmlSchemaValidateDoc(valid, doc);
  xmlSchemaFreeValidCtxt(valid);
  xmlFreeDoc(doc);
  if (rc != 0 && errors.empty())
    errors = "invalid (libxml2 code " + std::to_string(rc) + ")";
  return errors;
}

} // namespace tunemantra::test
