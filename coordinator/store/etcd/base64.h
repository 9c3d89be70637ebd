// Base64 (RFC 4648, standard alphabet, padded): how etcd's JSON gateway carries keys and
// values, which are bytes in etcd and may be any bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xacoord::etcd {

std::string base64_encode(std::string_view bytes);
// nullopt for anything that is not canonical padded base64 (wrong length, a character
// outside the alphabet, padding in the middle, non-zero bits in the padding).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace xacoord::etcd
