-- xa_orders: the orders database (contract §3). Extra columns and tables are ours.
CREATE DATABASE IF NOT EXISTS xa_orders;
USE xa_orders;

CREATE TABLE IF NOT EXISTS orders (
  order_id      BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id    VARCHAR(64) NOT NULL,
  amount_cents  BIGINT      NOT NULL,
  status        VARCHAR(16) NOT NULL,            -- PENDING | PAID | CANCELLED
  pay_txn_id    VARCHAR(64) NULL,                -- the xacoord transaction that paid it
  cancel_txn_id VARCHAR(64) NULL,                -- the one that cancelled it
  refunded      TINYINT     NOT NULL DEFAULT 0,  -- whether that cancel refunded a payment
  created_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  CONSTRAINT order_amount_positive CHECK (amount_cents > 0),
  CONSTRAINT order_status_known CHECK (status IN ('PENDING', 'PAYING', 'PAID', 'CANCELLED'))
) ENGINE = InnoDB;

-- Idempotency keys are written by the orders branch inside the same XA transaction as
-- the outcome they replay, so a key exists exactly when its outcome does.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  idem_key     VARBINARY(128) NOT NULL PRIMARY KEY,
  fingerprint  CHAR(16)       NOT NULL,          -- FNV-1a 64 of method, path and body
  http_status  SMALLINT       NOT NULL,
  response     BLOB           NOT NULL,          -- the exact body first answered
  created_at   TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY idempotency_keys_by_age (created_at)
) ENGINE = InnoDB;

-- The `outbox` architecture (docs/broker.md): the same two tables in both databases.
-- A message written in the same local transaction as the change it announces; the relay
-- publishes it to Redis and sets published_at only after Redis acknowledged it.
CREATE TABLE IF NOT EXISTS outbox (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  msg_id          VARCHAR(64)  NOT NULL DEFAULT (UUID()),  -- unique over all time: the inbox key
  topic           VARCHAR(64)  NOT NULL,            -- the stream it goes to
  kind            VARCHAR(32)  NOT NULL DEFAULT '', -- what it asks or reports
  payload         BLOB         NOT NULL,
  created_at      TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  published_at    TIMESTAMP(6) NULL DEFAULT NULL,   -- NULL: not yet acknowledged by Redis
  stream_entry_id VARCHAR(48)  NULL DEFAULT NULL,   -- the entry that holds it
  UNIQUE KEY outbox_msg_id (msg_id),                -- named: duplicate errors say which key
  KEY outbox_unpublished (published_at, topic, id)  -- the relay's claim: NULLs first
) ENGINE = InnoDB;

-- One row per message applied, written in the same local transaction as what the
-- message changed: a message delivered twice is applied once.
CREATE TABLE IF NOT EXISTS inbox (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  msg_id          VARCHAR(64)  NOT NULL,
  topic           VARCHAR(64)  NOT NULL DEFAULT '',
  stream_entry_id VARCHAR(48)  NOT NULL DEFAULT '',
  processed_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY inbox_msg_id (msg_id),                 -- named: duplicate errors say which key
  KEY inbox_by_age (processed_at)
) ENGINE = InnoDB;

-- Every session of a coordinator registers itself here when it opens, so that a later start
-- of the same node can end the idle sessions a dead run left (a prepared branch attached to
-- one stays locked until that session ends): participants/server_session.h. The
-- coordinator also creates the table itself if an older data dir lacks it.
CREATE TABLE IF NOT EXISTS xacoord_sessions (
  node_id VARCHAR(12) NOT NULL,
  connection_id BIGINT NOT NULL,
  client VARCHAR(128) NOT NULL,
  run VARCHAR(32) NOT NULL DEFAULT '',
  opened_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (node_id, connection_id, client)
) ENGINE=InnoDB;

-- The `saga` architecture (docs/architectures/saga.md): the same table in both databases.
-- One row per saga, inserted in the same local transaction as the saga's first step and in
-- that step's database: a pay's row in xa_payments with its charge, the refund of a paid
-- order that is cancelled in xa_orders with the cancel. A later step on the same database
-- moves the state in its own local transaction (the compensation); a step on the other
-- database is recognised by its effect (the order's pay_txn_id, the payment's
-- refund_txn_id), and the row is closed after it.
CREATE TABLE IF NOT EXISTS saga_log (
  saga_id      VARCHAR(64)    NOT NULL PRIMARY KEY,  -- the txn_id the client is answered
  node_id      VARCHAR(16)    NOT NULL,              -- the coordinator that drives it
  kind         VARCHAR(16)    NOT NULL,              -- pay | cancel
  order_id     BIGINT         NOT NULL,
  account_id   VARCHAR(64)    NOT NULL,
  amount_cents BIGINT         NOT NULL,
  state        VARCHAR(16)    NOT NULL,  -- CHARGED | PAID | COMPENSATED | ABORTED | REFUND_DUE | REFUNDED
  idem_key     VARBINARY(128) NULL DEFAULT NULL,     -- a pay's Idempotency-Key: step 2 stores its answer
  fingerprint  CHAR(16)       NULL DEFAULT NULL,
  created_at   TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at   TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY saga_log_open (node_id, state, saga_id)        -- recovery's scan for open sagas
) ENGINE = InnoDB;

-- The `tcc` architecture (docs/architectures/tcc.md). Its Try moves an order PENDING ->
-- PAYING; the status check above predates it and is widened here, idempotently, so data
-- dirs made before it get the new status too.
ALTER TABLE orders DROP CONSTRAINT IF EXISTS order_status_known,
  ADD CONSTRAINT order_status_known CHECK (status IN ('PENDING', 'PAYING', 'PAID', 'CANCELLED'));

-- One row per TCC global transaction, inserted by the orders branch's Try in the same local
-- transaction as PENDING -> PAYING (a refund's, by the cancel of the paid order): it exists
-- exactly when something may need undoing or finishing. Its state is the decision; moving
-- it TRYING -> CONFIRMING or CANCELLING locks this row (after the order's), so a pay and a
-- cancel of one order decide one after the other.
CREATE TABLE IF NOT EXISTS tcc_global (
  gid          VARCHAR(64)    NOT NULL PRIMARY KEY,  -- the txn_id the client is answered
  node_id      VARCHAR(16)    NOT NULL,              -- the coordinator that drives it
  kind         VARCHAR(16)    NOT NULL,              -- pay | refund
  order_id     BIGINT         NOT NULL,
  account_id   VARCHAR(64)    NOT NULL,
  amount_cents BIGINT         NOT NULL,
  state        VARCHAR(16)    NOT NULL,  -- TRYING | CONFIRMING | CANCELLING | CONFIRMED | CANCELLED
  idem_key     VARBINARY(128) NULL DEFAULT NULL,     -- a pay's Idempotency-Key: Confirm stores its answer
  fingerprint  CHAR(16)       NULL DEFAULT NULL,
  created_at   TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at   TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY tcc_global_open (node_id, state, gid)          -- recovery's scan for open transactions
) ENGINE = InnoDB;

-- The barrier of every TCC branch step in this database, inserted in the step's own local
-- transaction: a row (gid, branch, op) says that step committed. A Cancel also inserts the
-- Try's row, with reason 'cancel': if that goes in, the Try never ran (null compensation)
-- and can no longer run (its own insert finds the row: no hanging). The same table is in
-- xa_payments.
CREATE TABLE IF NOT EXISTS tcc_barrier (
  gid        VARCHAR(64)  NOT NULL,
  branch     VARCHAR(16)  NOT NULL,   -- orders | payments
  op         VARCHAR(16)  NOT NULL,   -- try | confirm | cancel
  reason     VARCHAR(16)  NOT NULL,   -- the op that inserted the row
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (gid, branch, op),
  KEY tcc_barrier_by_age (created_at)
) ENGINE = InnoDB;
