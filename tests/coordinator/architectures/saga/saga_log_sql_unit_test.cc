// The saga log's statements and rows, and which failures of a step leave its outcome
// unknown: pure logic, no database.
#include <gtest/gtest.h>

#include "coordinator/architectures/saga/saga_log_sql.h"
#include "coordinator/architectures/saga/saga_steps.h"
#include "participants/db_error.h"

namespace xacoord::saga {
namespace {

TEST(SagaLogSql, StatesRoundTripAndUnknownOnesAreRefused) {
  for (auto s : {log_sql::State::kCharged, log_sql::State::kPaid, log_sql::State::kCompensated,
                 log_sql::State::kAborted, log_sql::State::kRefundDue, log_sql::State::kRefunded})
    EXPECT_EQ(log_sql::state_from(log_sql::name_of(s)), s);
  EXPECT_THROW(log_sql::state_from("PAYING"), std::runtime_error);
  EXPECT_EQ(log_sql::open_state(Kind::kPay), log_sql::State::kCharged);
  EXPECT_EQ(log_sql::open_state(Kind::kCancel), log_sql::State::kRefundDue);
}

TEST(SagaLogSql, TheInsertCarriesTheKeyAsBytesAndTheState) {
  Saga s;
  s.id = "n1-2-3";
  s.order_id = 42;
  s.account_id = "o'brien";
  s.amount_cents = 700;
  s.key = IdempotencyKey{"k\x01", "0123456789abcdef"};
  std::string sql = log_sql::insert_sql(s, "n1", log_sql::State::kCharged);
  EXPECT_NE(sql.find("'n1-2-3', 'n1', 'pay', 42, 'o\\'brien', 700, 'CHARGED', X'6b01', "
                     "'0123456789abcdef')"),
            std::string::npos)
      << sql;
  s.key.reset();
  EXPECT_NE(log_sql::insert_sql(s, "n1", log_sql::State::kAborted).find("'ABORTED', NULL, NULL)"),
            std::string::npos);
}

TEST(SagaLogSql, ClosingIsGuardedByTheOpenState) {
  std::string sql = log_sql::close_sql({"a", "b"}, log_sql::State::kCharged, log_sql::State::kPaid);
  EXPECT_EQ(sql,
            "UPDATE saga_log SET state = 'PAID' WHERE state = 'CHARGED' AND saga_id IN ('a', 'b')");
}

TEST(SagaLogSql, RowsAreReadBackWithTheirKeyAndAge) {
  db::Rows rows;
  rows.rows.push_back({"n1-1-1", "pay", "7", "acct", "100", "CHARGED", "key", "fp", "1500"});
  rows.rows.push_back(
      {"n1-1-2", "cancel", "8", "acct", "200", "REFUND_DUE", std::nullopt, std::nullopt, "-3"});
  auto out = log_sql::rows_from(rows);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, Kind::kPay);
  EXPECT_EQ(out[0].order_id, 7);
  ASSERT_TRUE(out[0].key.has_value());
  EXPECT_EQ(out[0].key->key, "key");
  EXPECT_EQ(out[0].age, std::chrono::milliseconds(1500));
  EXPECT_EQ(out[1].kind, Kind::kCancel);
  EXPECT_EQ(out[1].state, log_sql::State::kRefundDue);
  EXPECT_FALSE(out[1].key.has_value());
  EXPECT_EQ(out[1].age, std::chrono::milliseconds(0)) << "clock skew never makes it negative";
  rows.rows[0][1] = "refund";
  EXPECT_THROW(log_sql::rows_from(rows), std::runtime_error);
}

std::exception_ptr error_of(db::ErrorKind kind) {
  return std::make_exception_ptr(db::DbError(kind, 0, "x"));
}

TEST(SagaSteps, OnlyALostAnswerLeavesAStepsOutcomeUnknown) {
  for (auto kind : {db::ErrorKind::kConstraint, db::ErrorKind::kDuplicate, db::ErrorKind::kDeadlock,
                    db::ErrorKind::kLockTimeout, db::ErrorKind::kRolledBack})
    EXPECT_TRUE(certainly_not_committed(error_of(kind))) << db::name_of(kind);
  for (auto kind : {db::ErrorKind::kConnectionLost, db::ErrorKind::kTimeout, db::ErrorKind::kOther})
    EXPECT_FALSE(certainly_not_committed(error_of(kind))) << db::name_of(kind);
  auto never_sent = db::DbError::opening_session_failed(
      db::DbError(db::ErrorKind::kConnectionLost, 2003, "refused"));
  EXPECT_TRUE(certainly_not_committed(std::make_exception_ptr(never_sent)));
  EXPECT_TRUE(certainly_not_committed(std::make_exception_ptr(db::PoolExhausted("busy"))));
  EXPECT_FALSE(certainly_not_committed(std::make_exception_ptr(std::runtime_error("?"))));
}

}  // namespace
}  // namespace xacoord::saga
