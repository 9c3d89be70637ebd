// The pure parts of the etcd store: base64, the gateway's JSON (its omitted defaults and
// string numbers), endpoints, error classes, and the decision values.
#include <gtest/gtest.h>

#include "coordinator/store/etcd/base64.h"
#include "coordinator/store/etcd/decision_keys.h"
#include "coordinator/store/etcd/etcd_endpoint.h"
#include "coordinator/store/etcd/etcd_error.h"
#include "coordinator/store/etcd/etcd_json.h"

namespace xacoord::etcd {
namespace {

using nlohmann::json;

TEST(EtcdBase64, MatchesTheRfcVectorsAndRoundTripsEveryByte) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, coded] : vectors) {
    EXPECT_EQ(base64_encode(plain), coded);
    EXPECT_EQ(base64_decode(coded), std::string(plain));
  }
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37)
    EXPECT_EQ(base64_decode(base64_encode(all.substr(0, n))), all.substr(0, n));
}

TEST(EtcdBase64, RejectsWhatIsNotCanonical) {
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zg==Zg==", "Zm9*", "Zh==", "Zm9=x===", "=Zg="})
    EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(EtcdJson, PrefixEndIncrementsTheLastByteBelow0xff) {
  EXPECT_EQ(prefix_end("/a/b/"), "/a/b0");
  EXPECT_EQ(prefix_end(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefix_end(std::string("\xff\xff", 2)), std::string(1, '\0'));
  EXPECT_EQ(prefix_end(""), std::string(1, '\0'));
}

TEST(EtcdJson, TxnEncodesComparesAndOpsAsTheGatewayWantsThem) {
  TxnRequest t;
  t.compare.push_back(Compare::created_at("/n", 42));
  t.compare.push_back(Compare::absent("/k"));
  t.compare.push_back(Compare::value_is("/v", "x"));
  t.compare.push_back(Compare::lease_is("/l", 7));
  t.success.push_back(put("/k", "v", 9));
  t.failure.push_back(get_prefix("/p/"));
  t.failure.push_back(del("/k"));
  json j = json::parse(encode_txn(t));
  EXPECT_EQ(
      j["compare"][0],
      json(
          {{"key", "L24="}, {"target", "CREATE"}, {"result", "EQUAL"}, {"create_revision", "42"}}));
  EXPECT_EQ(j["compare"][1]["create_revision"], "0");
  EXPECT_EQ(j["compare"][2]["target"], "VALUE");
  EXPECT_EQ(j["compare"][2]["value"], "eA==");
  EXPECT_EQ(j["compare"][3]["lease"], "7");
  EXPECT_EQ(j["success"][0],
            json({{"request_put", {{"key", "L2s="}, {"value", "dg=="}, {"lease", "9"}}}}));
  EXPECT_EQ(j["failure"][0]["request_range"]["range_end"], base64_encode("/p0"));
  EXPECT_EQ(j["failure"][1], json({{"request_delete_range", {{"key", "L2s="}}}}));
}

TEST(EtcdJson, AFailedTxnHasNoSucceededFieldAndAnEmptyRangeNoKvs) {
  // Verbatim from etcd 3.4.23: the second put-if-absent of a key, failure branch a read.
  json failed = json::parse(
      R"({"header":{"cluster_id":"9633435964551589779","member_id":"11888352732237674057","revision":"2","raft_term":"2"},"responses":[{"response_range":{"header":{"revision":"2"},"kvs":[{"key":"L3gvYQ==","create_revision":"2","mod_revision":"2","version":"1","value":"aGVsbG8="}],"count":"1"}}]})");
  TxnResult r = parse_txn(failed);
  EXPECT_FALSE(r.succeeded);
  EXPECT_EQ(r.revision, 2);
  ASSERT_EQ(r.responses.size(), 1u);
  const auto& range = std::get<RangeResult>(r.responses[0]);
  ASSERT_EQ(range.kvs.size(), 1u);
  EXPECT_EQ(range.kvs[0], (KeyValue{"/x/a", "hello", 2, 2, 1, 0}));

  json ok = json::parse(
      R"({"header":{"revision":"3"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"3"}}}]})");
  EXPECT_TRUE(parse_txn(ok).succeeded);

  RangeResult nothing = parse_range(json::parse(R"({"header":{"revision":"3"}})"));
  EXPECT_TRUE(nothing.kvs.empty());
  EXPECT_EQ(nothing.count, 0);
  EXPECT_FALSE(nothing.more);
}

TEST(EtcdJson, NumbersAreStringsAndOmittedMeansZero) {
  json j = json::parse(R"({"a":"9223372036854775807","b":12,"c":"-1"})");
  EXPECT_EQ(number_field(j, "a"), INT64_MAX);
  EXPECT_EQ(number_field(j, "b"), 12);
  EXPECT_EQ(number_field(j, "c"), -1);
  EXPECT_EQ(number_field(j, "missing"), 0);
  EXPECT_EQ(unsigned_field(json::parse(R"({"m":"11888352732237674057"})"), "m"),
            11888352732237674057ull);
  for (const char* bad :
       {R"({"a":"12x"})", R"({"a":""})", R"({"a":true})", R"({"a":"99999999999999999999"})"}) {
    try {
      number_field(json::parse(bad), "a");
      ADD_FAILURE() << bad;
    } catch (const EtcdError& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kProtocol) << bad;
    }
  }
  EXPECT_THROW(bytes_field(json::parse(R"({"key":"not base64!"})"), "key"), EtcdError);
}

TEST(EtcdJson, LeaseAnswers) {
  EXPECT_EQ(
      parse_lease_grant(json::parse(R"({"header":{},"ID":"3911836093213019657","TTL":"5"})")).id,
      3911836093213019657);
  EXPECT_THROW(parse_lease_grant(json::parse(R"({"header":{}})")), EtcdError);
  // A keep-alive of a lease etcd no longer knows: no TTL at all.
  EXPECT_EQ(parse_keepalive_ttl(json::parse(R"({"result":{"header":{},"ID":"123"}})")), 0);
  EXPECT_EQ(parse_keepalive_ttl(json::parse(R"({"result":{"ID":"1","TTL":"5"}})")), 5);
  EXPECT_THROW(parse_keepalive_ttl(json::parse(R"({"error":{"grpc_code":14,"message":"x"}})")),
               EtcdError);
  EXPECT_EQ(parse_time_to_live(json::parse(R"({"ID":"1","TTL":"-1"})")), -1);
}

TEST(EtcdJson, StatusAndErrors) {
  MemberStatus s = parse_status(json::parse(
      R"({"header":{"member_id":"11888352732237674057","revision":"1","raft_term":"2"},"version":"3.4.23","leader":"11888352732237674057","raftTerm":"2"})"));
  EXPECT_EQ(s.leader, s.member_id);
  EXPECT_EQ(s.raft_term, 2u);
  EXPECT_EQ(s.version, "3.4.23");
  EXPECT_EQ(parse_status(json::parse(R"({"header":{}})")).leader, 0u);

  auto e = parse_error(json::parse(
      R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 5);
  EXPECT_FALSE(parse_error(json::parse(R"({"header":{}})")));
}

TEST(EtcdError, WritesThatMayHaveBeenProposedAreAmbiguousReadsAreRetried) {
  EXPECT_EQ(classify_error_answer(14, "etcdserver: request timed out", true),
            ErrorAnswer::kMaybeApplied);
  EXPECT_EQ(classify_error_answer(14, "etcdserver: request timed out", false),
            ErrorAnswer::kTryElsewhere);
  EXPECT_EQ(classify_error_answer(14, "etcdserver: no leader", true), ErrorAnswer::kTryElsewhere);
  EXPECT_EQ(classify_error_answer(2, "raft proposal dropped", true), ErrorAnswer::kTryElsewhere);
  EXPECT_EQ(classify_error_answer(2, "grpc: the client connection is closing", true),
            ErrorAnswer::kMaybeApplied);
  EXPECT_EQ(classify_error_answer(8, "etcdserver: too many requests", true),
            ErrorAnswer::kTryElsewhere);
  EXPECT_EQ(classify_error_answer(5, "etcdserver: requested lease not found", true),
            ErrorAnswer::kRejected);
  EXPECT_EQ(classify_error_answer(3, "etcdserver: too many operations in txn request", true),
            ErrorAnswer::kRejected);
}

TEST(EtcdEndpoint, ParsesTheDecisionStoreUrlAndRefusesNonsense) {
  auto e = parse_endpoints("etcd://127.0.0.1:12379,127.0.0.1:12479,localhost:12579");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[2], (Endpoint{"localhost", 12579}));
  EXPECT_EQ(parse_endpoints("h:1").size(), 1u);
  for (const char* bad :
       {"", "etcd://", "http://h:1", "h", "h:", ":1", "h:0", "h:70000", "h:1,h:1", "h:1,", "h:x"})
    EXPECT_THROW(parse_endpoints(bad), std::invalid_argument) << bad;
}

TEST(EtcdDecisionKeys, LayoutAndValuesRoundTrip) {
  KeyLayout layout("/xacoord/v1/");
  EXPECT_EQ(layout.node("n1"), "/xacoord/v1/nodes/n1");
  EXPECT_EQ(layout.decision("n1", "n1-3-7"), "/xacoord/v1/decisions/n1/n1-3-7");
  EXPECT_EQ(layout.txn_of("n1", "/xacoord/v1/decisions/n1/n1-3-7"), "n1-3-7");
  EXPECT_EQ(layout.txn_of("n1", "/xacoord/v1/decisions/n10/x"), "");
  EXPECT_THROW(KeyLayout("relative"), std::invalid_argument);

  CommitDecision d{"n1-3-7",
                   1'700'000'000'000,
                   {{"orders", Xid{1, "xacoord:n1-3-7", "orders"}},
                    {"payments", Xid{1, "xacoord:n1-3-7", "payments"}}}};
  HeuristicRecord h{"n1-3-8", false, 5, "operator", {{"orders", Xid{1, "g", "orders"}}}};
  for (const StoredDecision& v :
       {StoredDecision{d}, StoredDecision{h}, StoredDecision{AbortedMarker{99}}}) {
    std::string bytes = encode_stored(v);
    EXPECT_EQ(decode_stored(bytes), v);
    for (std::size_t cut = 1; cut < bytes.size(); ++cut)
      EXPECT_FALSE(decode_stored(bytes.substr(0, cut)) && !std::holds_alternative<AbortedMarker>(v))
          << cut;
  }
  for (const char* bad : {"", "X", "A", "Ax", "C", "H"})
    EXPECT_FALSE(decode_stored(bad)) << bad;
}

}  // namespace
}  // namespace xacoord::etcd
