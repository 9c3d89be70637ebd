// The one vocabulary of XA statement text. The engine, recovery, the blocking Connection
// and the tools all build their XA statements here, so a verb is spelt in one place.
//
// Xids go out as binary literals with their format id (protocol/xid.h: X'..',X'..',fmt),
// which needs no escaping whatever their bytes.
#pragma once

#include <string>
#include <vector>

#include "participants/rows.h"
#include "protocol/xid.h"

namespace xacoord::db::xa {

std::string start(const Xid& xid);
std::string end(const Xid& xid);
std::string prepare(const Xid& xid);
std::string commit(const Xid& xid);
// Commits a started-and-ended branch without a prepare: the server decides alone.
std::string commit_one_phase(const Xid& xid);
std::string rollback(const Xid& xid);

// Lists every prepared branch on the server, each as a literal protocol/xid.h parses
// (MariaDB's FORMAT='SQL'; MySQL 8 would need XA RECOVER CONVERT XID instead).
std::string recover();
// The xids in the result of recover(): all format ids and nodes, callers filter.
std::vector<Xid> parse_recover(const Rows& rows);

}  // namespace xacoord::db::xa
