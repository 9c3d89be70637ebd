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
  CONSTRAINT order_status_known CHECK (status IN ('PENDING', 'PAID', 'CANCELLED'))
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
