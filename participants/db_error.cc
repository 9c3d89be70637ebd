#include "participants/db_error.h"

#include <cppconn/exception.h>

namespace xacoord::db {

std::string_view name_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUnknownXid:
      return "unknown_xid";
    case ErrorKind::kXaState:
      return "xa_state";
    case ErrorKind::kRolledBack:
      return "rolled_back";
    case ErrorKind::kLockTimeout:
      return "lock_timeout";
    case ErrorKind::kDeadlock:
      return "deadlock";
    case ErrorKind::kConnectionLost:
      return "connection_lost";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kDuplicate:
      return "duplicate";
    case ErrorKind::kConstraint:
      return "constraint";
    case ErrorKind::kOther:
      return "other";
  }
  return "other";
}

ErrorKind kind_of_error_code(int code) {
  switch (code) {
    case 1397:
      return ErrorKind::kUnknownXid;  // XAER_NOTA
    case 1398:                        // XAER_INVAL
    case 1399:                        // XAER_RMFAIL
    case 1400:                        // XAER_OUTSIDE
    case 1401:                        // XAER_RMERR
    case 1440:                        // XAER_DUPID
      return ErrorKind::kXaState;
    case 1402:  // XA_RBROLLBACK
    case 1613:  // XA_RBTIMEOUT
    case 1614:  // XA_RBDEADLOCK
      return ErrorKind::kRolledBack;
    case 1205:
      return ErrorKind::kLockTimeout;
    case 1213:
      return ErrorKind::kDeadlock;
    case 1040:  // too many connections
    case 1053:  // server shutdown in progress
    case 1077:  // normal shutdown
    case 1152:  // aborted connection
    case 1158:
    case 1159:
    case 1160:
    case 1161:  // network read/write errors
    case 1927:  // connection killed (KILL CONNECTION)
    case 2002:
    case 2003:
    case 2005:
    case 2006:
    case 2013:
    case 2026:
    case 2055:
    case 2014:  // commands out of sync: the session's protocol state is unknown
      return ErrorKind::kConnectionLost;
    case 1969:  // max_statement_time exceeded
    case 3024:
    case 1317:  // query interrupted
      return ErrorKind::kTimeout;
    case 1062:
      return ErrorKind::kDuplicate;
    case 4025:  // CHECK constraint
    case 1451:
    case 1452:  // foreign key
    case 3819:
      return ErrorKind::kConstraint;
    default:
      return ErrorKind::kOther;
  }
}

DbError classify(const sql::SQLException& e, std::string_view what) {
  int code = e.getErrorCode();
  std::string message =
      std::string(what) + ": " + e.what() + " (error " + std::to_string(code) + ")";
  // Connector/C++ reports some client-side failures with code 0 and only a message.
  if (code == 0) {
    std::string_view m = e.what();
    if (m.find("connect") != std::string_view::npos || m.find("Lost") != std::string_view::npos ||
        m.find("gone away") != std::string_view::npos) {
      return DbError(ErrorKind::kConnectionLost, code, std::move(message));
    }
  }
  return DbError(kind_of_error_code(code), code, std::move(message));
}

}  // namespace xacoord::db
