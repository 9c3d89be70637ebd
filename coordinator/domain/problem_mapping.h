// What the client hears when a transaction fails: every error of the engine and the
// databases mapped to a problem (RFC 9457). Database trouble is a 503 (nothing changed,
// safe to retry); the data's refusals are 4xx; only our own bugs are 500.
#pragma once

#include <exception>
#include <string>

#include "protocol/problem.h"

namespace xacoord {

Problem problem_for(const std::exception_ptr& error);

}  // namespace xacoord
