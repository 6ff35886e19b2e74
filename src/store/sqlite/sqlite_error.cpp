#include "store/sqlite/sqlite_error.hpp"

#include <sqlite3.h>

#include <string>

namespace talkline::store::sqlite {

Error sqlite_error(int extended_code, std::string_view detail) {
  std::string message(detail);
  switch (extended_code & 0xff) {
    case SQLITE_CONSTRAINT: return Error::conflict("constraint violated: " + message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_INTERRUPT:
    case SQLITE_NOLFS: return Error::unavailable("sqlite: " + message);
    default: return Error::internal("sqlite: " + message);
  }
}

}  // namespace talkline::store::sqlite
