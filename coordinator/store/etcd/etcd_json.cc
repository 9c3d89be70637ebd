#include "coordinator/store/etcd/etcd_json.h"

#include <charconv>

#include "coordinator/store/etcd/base64.h"
#include "coordinator/store/etcd/etcd_error.h"

namespace xacoord::etcd {

using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& what) {
  throw EtcdError(ErrorKind::kProtocol, "etcd gateway answer: " + what);
}

const json& object_at(const json& j, const char* name) {
  static const json kEmpty = json::object();
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_object()) bad(std::string("\"") + name + "\" is not an object");
  return *it;
}

template <typename T>
T parse_integer(const json& object, const char* name) {
  if (!object.is_object()) bad(std::string("no object around \"") + name + "\"");
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<T>();
  if (!it->is_string()) bad(std::string("\"") + name + "\" is neither a string nor a number");
  const auto& text = it->get_ref<const std::string&>();
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    bad(std::string("\"") + name + "\" is not a number: " + text);
  }
  return value;
}

const char* target_name(Compare::Target t) {
  switch (t) {
    case Compare::Target::kVersion:
      return "VERSION";
    case Compare::Target::kCreate:
      return "CREATE";
    case Compare::Target::kMod:
      return "MOD";
    case Compare::Target::kValue:
      return "VALUE";
    case Compare::Target::kLease:
      return "LEASE";
  }
  return "CREATE";
}

const char* result_name(Compare::Result r) {
  switch (r) {
    case Compare::Result::kEqual:
      return "EQUAL";
    case Compare::Result::kGreater:
      return "GREATER";
    case Compare::Result::kLess:
      return "LESS";
    case Compare::Result::kNotEqual:
      return "NOT_EQUAL";
  }
  return "EQUAL";
}

json range_json(const RangeOp& op) {
  json j{{"key", base64_encode(op.key)}};
  if (!op.range_end.empty()) j["range_end"] = base64_encode(op.range_end);
  if (op.limit > 0) j["limit"] = std::to_string(op.limit);
  if (op.revision > 0) j["revision"] = std::to_string(op.revision);
  if (op.keys_only) j["keys_only"] = true;
  if (op.count_only) j["count_only"] = true;
  if (op.serializable) j["serializable"] = true;
  return j;
}

json put_json(const PutOp& op) {
  json j{{"key", base64_encode(op.key)}, {"value", base64_encode(op.value)}};
  if (op.lease != 0) j["lease"] = std::to_string(op.lease);
  return j;
}

json delete_json(const DeleteOp& op) {
  json j{{"key", base64_encode(op.key)}};
  if (!op.range_end.empty()) j["range_end"] = base64_encode(op.range_end);
  return j;
}

KeyValue parse_kv(const json& j) {
  if (!j.is_object()) bad("a key-value is not an object");
  return KeyValue{bytes_field(j, "key"),
                  bytes_field(j, "value"),
                  number_field(j, "create_revision"),
                  number_field(j, "mod_revision"),
                  number_field(j, "version"),
                  number_field(j, "lease")};
}

std::int64_t header_revision(const json& body) {
  return number_field(object_at(body, "header"), "revision");
}

}  // namespace

std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<unsigned char>(prefix.back()) < 0xff) {
      prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');
}

std::int64_t number_field(const json& object, const char* name) {
  return parse_integer<std::int64_t>(object, name);
}

std::uint64_t unsigned_field(const json& object, const char* name) {
  return parse_integer<std::uint64_t>(object, name);
}

std::string bytes_field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) bad(std::string("\"") + name + "\" is not a string");
  auto bytes = base64_decode(it->get_ref<const std::string&>());
  if (!bytes) bad(std::string("\"") + name + "\" is not base64");
  return *bytes;
}

json to_json(const Compare& c) {
  json j{{"key", base64_encode(c.key)},
         {"target", target_name(c.target)},
         {"result", result_name(c.result)}};
  switch (c.target) {
    case Compare::Target::kVersion:
      j["version"] = std::to_string(c.number);
      break;
    case Compare::Target::kCreate:
      j["create_revision"] = std::to_string(c.number);
      break;
    case Compare::Target::kMod:
      j["mod_revision"] = std::to_string(c.number);
      break;
    case Compare::Target::kValue:
      j["value"] = base64_encode(c.value);
      break;
    case Compare::Target::kLease:
      j["lease"] = std::to_string(c.number);
      break;
  }
  return j;
}

json to_json(const Op& op) {
  struct {
    json operator()(const RangeOp& r) { return {{"request_range", range_json(r)}}; }
    json operator()(const PutOp& p) { return {{"request_put", put_json(p)}}; }
    json operator()(const DeleteOp& d) { return {{"request_delete_range", delete_json(d)}}; }
  } visitor;
  return std::visit(visitor, op);
}

std::string encode_range(const RangeOp& op) {
  return range_json(op).dump();
}
std::string encode_put(const PutOp& op) {
  return put_json(op).dump();
}
std::string encode_delete(const DeleteOp& op) {
  return delete_json(op).dump();
}

std::string encode_txn(const TxnRequest& txn) {
  json compare = json::array(), success = json::array(), failure = json::array();
  for (const auto& c : txn.compare)
    compare.push_back(to_json(c));
  for (const auto& op : txn.success)
    success.push_back(to_json(op));
  for (const auto& op : txn.failure)
    failure.push_back(to_json(op));
  return json{{"compare", compare}, {"success", success}, {"failure", failure}}.dump();
}

std::string encode_lease_grant(std::int64_t ttl_seconds) {
  return json{{"TTL", std::to_string(ttl_seconds)}}.dump();
}

std::string encode_lease_id(std::int64_t id) {
  return json{{"ID", std::to_string(id)}}.dump();
}

RangeResult parse_range(const json& body) {
  if (!body.is_object()) bad("a range answer is not an object");
  RangeResult r;
  r.revision = header_revision(body);
  if (auto it = body.find("kvs"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) bad("\"kvs\" is not an array");
    for (const auto& kv : *it)
      r.kvs.push_back(parse_kv(kv));
  }
  r.count = number_field(body, "count");
  if (auto it = body.find("more"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) bad("\"more\" is not a boolean");
    r.more = it->get<bool>();
  }
  return r;
}

PutResult parse_put(const json& body) {
  if (!body.is_object()) bad("a put answer is not an object");
  return PutResult{header_revision(body)};
}

DeleteResult parse_delete(const json& body) {
  if (!body.is_object()) bad("a delete answer is not an object");
  return DeleteResult{header_revision(body), number_field(body, "deleted")};
}

TxnResult parse_txn(const json& body) {
  if (!body.is_object()) bad("a txn answer is not an object");
  TxnResult t;
  t.revision = header_revision(body);
  if (auto it = body.find("succeeded"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) bad("\"succeeded\" is not a boolean");
    t.succeeded = it->get<bool>();
  }
  if (auto it = body.find("responses"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) bad("\"responses\" is not an array");
    for (const auto& r : *it) {
      if (!r.is_object() || r.size() != 1) bad("a txn response is not a one-field object");
      auto item = r.items().begin();
      const std::string& name = item.key();
      const json& inner = item.value();
      if (name == "response_range") {
        t.responses.emplace_back(parse_range(inner));
      } else if (name == "response_put") {
        t.responses.emplace_back(parse_put(inner));
      } else if (name == "response_delete_range") {
        t.responses.emplace_back(parse_delete(inner));
      } else {
        bad("unknown txn response \"" + name + "\"");
      }
    }
  }
  return t;
}

LeaseGrant parse_lease_grant(const json& body) {
  if (!body.is_object()) bad("a lease grant answer is not an object");
  if (auto e = body.find("error");
      e != body.end() && e->is_string() && !e->get<std::string>().empty())
    bad("lease grant failed: " + e->get<std::string>());
  LeaseGrant g{number_field(body, "ID"), number_field(body, "TTL")};
  if (g.id == 0) bad("lease grant without an ID");
  return g;
}

std::int64_t parse_keepalive_ttl(const json& body) {
  if (!body.is_object()) bad("a keep-alive answer is not an object");
  if (auto it = body.find("error"); it != body.end()) {
    auto e = parse_error(*it);
    bad("keep-alive stream error: " + (e ? e->message : it->dump()));
  }
  auto it = body.find("result");
  if (it == body.end() || !it->is_object()) bad("a keep-alive answer has no \"result\"");
  return number_field(*it, "TTL");
}

std::int64_t parse_time_to_live(const json& body) {
  if (!body.is_object()) bad("a time-to-live answer is not an object");
  return number_field(body, "TTL");
}

MemberStatus parse_status(const json& body) {
  if (!body.is_object()) bad("a status answer is not an object");
  MemberStatus s;
  const json& header = object_at(body, "header");
  s.member_id = unsigned_field(header, "member_id");
  s.revision = number_field(header, "revision");
  s.leader = unsigned_field(body, "leader");
  s.raft_term = unsigned_field(body, "raftTerm");
  if (auto it = body.find("version"); it != body.end() && it->is_string()) s.version = *it;
  return s;
}

std::optional<GatewayError> parse_error(const json& body) {
  if (!body.is_object()) return std::nullopt;
  auto message = body.find("message");
  if (message == body.end() || !message->is_string()) message = body.find("error");
  if (message == body.end() || !message->is_string()) return std::nullopt;
  GatewayError e;
  e.message = message->get<std::string>();
  if (auto code = body.find("code"); code != body.end() && code->is_number_integer())
    e.code = code->get<int>();
  return e;
}

}  // namespace xacoord::etcd
