#include "participants/rows.h"

#include <cstdlib>
#include <stdexcept>

namespace xacoord::db {

std::int64_t as_int(const Row& row, std::size_t column) {
  if (column >= row.size() || !row[column]) throw std::logic_error("expected a number, got NULL");
  const std::string& s = *row[column];
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') throw std::logic_error("expected a number, got '" + s + "'");
  return v;
}

const std::string& as_string(const Row& row, std::size_t column) {
  if (column >= row.size() || !row[column]) throw std::logic_error("expected a string, got NULL");
  return *row[column];
}

std::int64_t single_int(const Rows& rows) {
  if (rows.empty()) throw std::logic_error("expected one row, got none");
  return as_int(rows[0], 0);
}

}  // namespace xacoord::db
