#include "protocol/xid.h"

#include <cctype>
#include <charconv>

namespace xacoord {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, std::string_view bytes) {
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads one literal at `pos`: either X'<hex>' or '<chars with '' and \ escapes>'.
std::optional<std::string> read_literal(std::string_view s, std::size_t& pos) {
  std::string out;
  if (pos < s.size() && (s[pos] == 'X' || s[pos] == 'x')) {
    ++pos;
    if (pos >= s.size() || s[pos] != '\'') return std::nullopt;
    ++pos;
    while (pos < s.size() && s[pos] != '\'') {
      if (pos + 1 >= s.size()) return std::nullopt;
      int hi = hex_value(s[pos]), lo = hex_value(s[pos + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      pos += 2;
    }
    if (pos >= s.size()) return std::nullopt;
    ++pos;
    return out;
  }
  if (pos >= s.size() || s[pos] != '\'') return std::nullopt;
  ++pos;
  while (pos < s.size()) {
    char c = s[pos];
    if (c == '\\' && pos + 1 < s.size()) {
      out.push_back(s[pos + 1]);
      pos += 2;
      continue;
    }
    if (c == '\'') {
      if (pos + 1 < s.size() && s[pos + 1] == '\'') {
        out.push_back('\'');
        pos += 2;
        continue;
      }
      ++pos;
      return out;
    }
    out.push_back(c);
    ++pos;
  }
  return std::nullopt;
}

}  // namespace

std::string Xid::to_sql() const {
  std::string out = "X'";
  append_hex(out, gtrid);
  out += "',X'";
  append_hex(out, bqual);
  out += "',";
  out += std::to_string(format_id);
  return out;
}

std::string Xid::to_string() const {
  std::string out;
  auto escaped = [&out](std::string_view part) {
    for (unsigned char c : part) {
      if (std::isprint(c) && c != '\\' && c != '/') {
        out.push_back(static_cast<char>(c));
      } else {
        out += "\\x";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    }
  };
  escaped(gtrid);
  out.push_back('/');
  escaped(bqual);
  out.push_back('/');
  out += std::to_string(format_id);
  return out;
}

std::optional<Xid> parse_sql_xid(std::string_view text) {
  std::size_t pos = 0;
  auto gtrid = read_literal(text, pos);
  if (!gtrid || pos >= text.size() || text[pos] != ',') return std::nullopt;
  ++pos;
  auto bqual = read_literal(text, pos);
  if (!bqual) return std::nullopt;
  std::int64_t format_id = 1;  // XA's default when the statement names none
  if (pos < text.size()) {
    if (text[pos] != ',') return std::nullopt;
    ++pos;
    auto digits = text.substr(pos);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), format_id);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  }
  if (gtrid->empty() || gtrid->size() > kMaxGtridBytes || bqual->size() > kMaxBqualBytes) {
    return std::nullopt;
  }
  return Xid{format_id, std::move(*gtrid), std::move(*bqual)};
}

std::optional<Xid> xid_from_recover_row(std::int64_t format_id, std::int64_t gtrid_length,
                                        std::int64_t bqual_length, std::string_view data) {
  if (gtrid_length <= 0 || bqual_length < 0 ||
      gtrid_length > static_cast<std::int64_t>(kMaxGtridBytes) ||
      bqual_length > static_cast<std::int64_t>(kMaxBqualBytes) ||
      static_cast<std::size_t>(gtrid_length + bqual_length) != data.size()) {
    return std::nullopt;
  }
  auto g = static_cast<std::size_t>(gtrid_length);
  return Xid{format_id, std::string(data.substr(0, g)), std::string(data.substr(g))};
}

}  // namespace xacoord
