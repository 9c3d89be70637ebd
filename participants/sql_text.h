// Literals for SQL text. Statements go over the text protocol (one round trip each, and
// several can share one round trip), so values are written into them with these helpers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xacoord::db {

// 'text' with MariaDB's escapes (\0 \n \r \\ \' \" \Z), for the default sql_mode.
std::string quote(std::string_view text);
// X'hex': any bytes, no escaping questions at all.
std::string hex_literal(std::string_view bytes);

}  // namespace xacoord::db
