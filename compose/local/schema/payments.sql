-- xa_payments: the payments database (contract §3). Extra columns are ours.
CREATE DATABASE IF NOT EXISTS xa_payments;
USE xa_payments;

CREATE TABLE IF NOT EXISTS accounts (
  account_id    VARCHAR(64) NOT NULL PRIMARY KEY,
  balance_cents BIGINT      NOT NULL,
  funded_cents  BIGINT      NOT NULL,            -- what the account was opened with (invariant 3)
  created_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  -- The debit fails inside the server when funds are short, so a batched branch
  -- (several statements in one round trip) stops there without a read first.
  CONSTRAINT balance_not_negative CHECK (balance_cents >= 0)
) ENGINE = InnoDB;

CREATE TABLE IF NOT EXISTS payments (
  -- payment_id equals order_id: one payment per order, and an id known before either
  -- branch runs lets both branches do their work at the same time.
  payment_id    BIGINT      NOT NULL PRIMARY KEY,
  order_id      BIGINT      NOT NULL UNIQUE,
  account_id    VARCHAR(64) NOT NULL,
  amount_cents  BIGINT      NOT NULL,
  status        VARCHAR(16) NOT NULL,            -- CAPTURED | REFUNDED
  txn_id        VARCHAR(64) NULL,                -- the xacoord transaction that captured it
  refund_txn_id VARCHAR(64) NULL,
  created_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  -- An unknown account makes the capture fail inside the server, like a short balance.
  CONSTRAINT payment_account_exists FOREIGN KEY (account_id) REFERENCES accounts (account_id),
  CONSTRAINT payment_status_known CHECK (status IN ('CAPTURED', 'REFUNDED'))
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

-- The `tcc` architecture (docs/architectures/tcc.md): funds a Try moved from the balance,
-- held until Confirm turns them into a CAPTURED payment or Cancel credits them back. Empty
-- once settled.
CREATE TABLE IF NOT EXISTS tcc_frozen (
  gid          VARCHAR(64)  NOT NULL PRIMARY KEY,
  order_id     BIGINT       NOT NULL,
  account_id   VARCHAR(64)  NOT NULL,
  amount_cents BIGINT       NOT NULL,
  created_at   TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY tcc_frozen_order (order_id),
  -- An unknown account fails the Try inside the server, as a capture fails.
  CONSTRAINT tcc_frozen_account_exists FOREIGN KEY (account_id) REFERENCES accounts (account_id)
) ENGINE = InnoDB;

-- The same barrier table as in xa_orders (see there).
CREATE TABLE IF NOT EXISTS tcc_barrier (
  gid        VARCHAR(64)  NOT NULL,
  branch     VARCHAR(16)  NOT NULL,
  op         VARCHAR(16)  NOT NULL,
  reason     VARCHAR(16)  NOT NULL,
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (gid, branch, op),
  KEY tcc_barrier_by_age (created_at)
) ENGINE = InnoDB;
