#include "participants/xa_sql.h"

namespace xacoord::db::xa {
namespace {

std::string verb(const char* name, const Xid& xid, const char* suffix = "") {
  std::string s(name);
  s += ' ';
  s += xid.to_sql();
  s += suffix;
  return s;
}

}  // namespace

std::string start(const Xid& xid) {
  return verb("XA START", xid);
}
std::string end(const Xid& xid) {
  return verb("XA END", xid);
}
std::string prepare(const Xid& xid) {
  return verb("XA PREPARE", xid);
}
std::string commit(const Xid& xid) {
  return verb("XA COMMIT", xid);
}
std::string commit_one_phase(const Xid& xid) {
  return verb("XA COMMIT", xid, " ONE PHASE");
}
std::string rollback(const Xid& xid) {
  return verb("XA ROLLBACK", xid);
}

std::string recover() {
  return "XA RECOVER FORMAT='SQL'";
}

std::vector<Xid> parse_recover(const Rows& rows) {
  // Columns: formatID, gtrid_length, bqual_length, data.
  std::vector<Xid> out;
  for (const auto& row : rows.rows) {
    if (row.size() < 4 || !row[3]) continue;
    if (auto xid = parse_sql_xid(*row[3])) out.push_back(std::move(*xid));
  }
  return out;
}

}  // namespace xacoord::db::xa
