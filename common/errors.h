// Small helpers for exceptions that cross layers.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace xacoord {

// The work ran past its deadline before its outcome was decided: it was rolled back
// (nothing changed; safe to retry).
class DeadlineExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The decision store refused a decision (etcd: this node lost its id, or the store could
// not be reached and the decision was settled as absent): the work was rolled back.
class DecisionNotRecorded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The message of an exception, for logs, transaction records and problem bodies.
std::string describe(const std::exception_ptr& error);

// The outcome could not be told (a one-phase commit whose answer was lost, and a server
// that stayed unreachable while it was read back): the client must retry with its
// Idempotency-Key, and reads the outcome then.
class OutcomeUnknown : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace xacoord
