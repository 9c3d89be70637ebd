// The fingerprint of a request under an Idempotency-Key: FNV-1a 64 of its method, path
// and body, as 16 hex digits. It tells "the same request again" from "a different request
// that reuses the key" (answered 422); it is not a security measure.
#pragma once

#include <string>
#include <string_view>

namespace xacoord {

std::string request_fingerprint(std::string_view method, std::string_view path,
                                std::string_view body);

}  // namespace xacoord
