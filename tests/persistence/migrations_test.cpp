#include "persistence/migrations.hpp"

#include <future>

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "persistence/connection_pool.hpp"
#include "persistence/errors.hpp"
#include "persistence/store.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::persistence {
namespace {

TEST(migration_files, both_backends_have_the_same_numbered_migrations) {
  const auto& lite = embedded_migrations(backend_kind::sqlite);
  const auto& pg = embedded_migrations(backend_kind::postgresql);
  ASSERT_FALSE(lite.empty());
  ASSERT_EQ(lite.size(), pg.size());
  for (std::size_t i = 0; i < lite.size(); ++i) {
    EXPECT_EQ(lite[i].version, static_cast<int>(i) + 1) << "versions must be 1, 2, 3, ...";
    EXPECT_EQ(lite[i].version, pg[i].version);
    EXPECT_EQ(lite[i].name, pg[i].name);
  }
}

TEST(migration_files, statements_split_at_semicolons_outside_quotes_and_comments) {
  const auto parts = split_statements("-- a comment; with a semicolon\nCREATE TABLE a (x TEXT DEFAULT ';');\n"
                                      "INSERT INTO a VALUES ('it''s; fine');\n\n");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_NE(parts[0].find("DEFAULT ';'"), std::string::npos);
  EXPECT_NE(parts[1].find("'it''s; fine'"), std::string::npos);
}

class migrations_on : public ::testing::TestWithParam<backend_kind> {
protected:
  test::scratch_database db_{GetParam()};
  std::string url_ = db_.url();
};

TEST_P(migrations_on, a_newer_schema_is_refused) {
  auto store = open_store(test::database_config_for(url_));
  store->migrate();
  {
    connection_pool pool{parse_database_url(url_), pool_options{}};
    auto s = pool.acquire();
    *s << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', 0)";
  }
  try {
    store->migrate();
    FAIL() << "expected schema_too_new";
  } catch (const schema_too_new& e) {
    EXPECT_NE(std::string(e.what()).find("9999"), std::string::npos) << e.what();
  }
}

TEST_P(migrations_on, nodes_migrating_at_once_apply_each_migration_once) {
  auto migrate_one = [&] { return open_store(test::database_config_for(url_))->migrate(); };
  auto a = std::async(std::launch::async, migrate_one);
  auto b = std::async(std::launch::async, migrate_one);
  const int applied = a.get() + b.get();
  EXPECT_EQ(applied, latest_schema_version(GetParam()));
  connection_pool pool{parse_database_url(url_), pool_options{}};
  auto s = pool.acquire();
  int rows = 0;
  *s << "SELECT COUNT(*) FROM schema_migrations", soci::into(rows);
  EXPECT_EQ(rows, latest_schema_version(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(backends, migrations_on, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::persistence
