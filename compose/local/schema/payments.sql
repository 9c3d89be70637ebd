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
