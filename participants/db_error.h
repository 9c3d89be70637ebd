// Database errors, reduced to the few kinds the 2PC engine and recovery act on.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace sql {
class SQLException;
}

namespace xacoord::db {

enum class ErrorKind {
  kUnknownXid,      // XAER_NOTA: the server does not know the xid (never prepared, or done)
  kXaState,         // XAER_RMFAIL/INVAL/OUTSIDE/DUPID: the verb does not fit the branch state
  kRolledBack,      // XA_RB*: the server already rolled the branch back (deadlock, timeout)
  kLockTimeout,     // 1205: innodb_lock_wait_timeout
  kDeadlock,        // 1213
  kConnectionLost,  // the session is gone or never came: 2002/2003/2006/2013, KILL, shutdown
  kTimeout,         // a statement or read ran past its limit
  kDuplicate,       // 1062: a unique key already holds the value
  kConstraint,      // CHECK or FOREIGN KEY refused the change
  kOther,
};

std::string_view name_of(ErrorKind kind);

class DbError : public std::runtime_error {
 public:
  DbError(ErrorKind kind, int code, std::string message)
      : std::runtime_error(std::move(message)), kind_(kind), code_(code) {}

  ErrorKind kind() const { return kind_; }
  int code() const { return code_; }  // the server's or client library's error number
  // After these the session must not be reused: it is gone, or in an unknown state.
  bool connection_unusable() const {
    return kind_ == ErrorKind::kConnectionLost || kind_ == ErrorKind::kTimeout;
  }
  // No session could be opened for the work, so none of its statements reached the
  // server: whatever branch it was meant to prepare or finish is not prepared by it.
  bool no_session() const { return no_session_; }
  static DbError opening_session_failed(const DbError& e) {
    DbError copy = e;
    copy.no_session_ = true;
    return copy;
  }

 private:
  ErrorKind kind_;
  int code_;
  bool no_session_ = false;
};

// Maps a Connector/C++ exception onto a DbError; `what` says which call failed.
DbError classify(const sql::SQLException& e, std::string_view what);
ErrorKind kind_of_error_code(int code);

}  // namespace xacoord::db
