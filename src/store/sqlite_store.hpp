// The embedded SQLite 3 backend of store::Store (docs/store.md describes the schema, the
// transactions and the durability settings).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "store/store.hpp"

namespace store {

// Any failure of the database (I/O, corruption, a constraint, a busy timeout) carries SQLite's
// message; the caller maps it to HTTP 500 or CWMP fault 8002. Nothing of the failed method is
// stored (its transaction is rolled back).
class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& message, int sqlite_code)
      : std::runtime_error(message), code_(sqlite_code) {}
  int sqlite_code() const { return code_; }

 private:
  int code_;
};

// The newest events kept per device (older ones are pruned on each Inform).
inline constexpr std::size_t kMaxEventsPerDevice = 64;

// Opens (creating if needed) the database at `path` and brings its schema up to date.
// ":memory:" gives a private in-memory database (tests). Throws StoreError when the file cannot
// be opened, is not a database, or was written by a newer schema version.
std::unique_ptr<Store> open_sqlite(const std::string& path);

}  // namespace store
