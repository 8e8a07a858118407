#include "tests/support/xsd.hpp"

#include <cstdarg>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

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
