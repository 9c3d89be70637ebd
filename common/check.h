// XA_CHECK: the invariant assertion of this project (STYLE.md, "Errors").
//
// An invariant that does not hold means the program is in a state its design says cannot
// happen; going on could commit one branch of a transaction and roll back the other. So a
// failed check prints what failed, where, and why, and aborts the process at once —
// recovery then finishes everything from the decision log. Checks stay on in release
// builds: they are cheap next to a round trip to a database, and money code must not run
// on in an impossible state.
//
//   XA_CHECK(txn.state() == TxnState::kPreparing, "commit decision for " + txn.id_text());
//
// The message is evaluated only when the check fails.
#pragma once

#include <string>

namespace xacoord {

[[noreturn]] void check_failed(const char* file, int line, const char* condition,
                               const std::string& message);

}  // namespace xacoord

#define XA_CHECK(condition, message)                                                 \
  do {                                                                               \
    if (!(condition)) [[unlikely]]                                                   \
      ::xacoord::check_failed(__FILE__, __LINE__, #condition, std::string(message)); \
  } while (false)
