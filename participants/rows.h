// Result rows of the text protocol: every value a string, or NULL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xacoord::db {

using Row = std::vector<std::optional<std::string>>;

struct Rows {
  std::vector<Row> rows;
  bool empty() const { return rows.empty(); }
  std::size_t size() const { return rows.size(); }
  const Row& operator[](std::size_t i) const { return rows[i]; }
};

// Per statement of a batch, its result set if it had one.
using Results = std::vector<std::optional<Rows>>;

// Column accessors that fail loudly on NULL or non-numbers: the schema promises both.
std::int64_t as_int(const Row& row, std::size_t column);
const std::string& as_string(const Row& row, std::size_t column);
// The single number in the first row of `rows` (SELECT COUNT(*), LAST_INSERT_ID(), ...).
std::int64_t single_int(const Rows& rows);

}  // namespace xacoord::db
