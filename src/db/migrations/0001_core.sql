-- Core schema: warehouses, items, stock levels per item and warehouse, reservations with lines, the
-- append-only movement ledger and idempotency records. Quantities are bigint with CHECK constraints:
-- the database itself refuses negative stock or more held than is on hand, whatever the code does.

CREATE TABLE warehouses (
  id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  priority integer NOT NULL DEFAULT 100,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Seed 000's API names no warehouse; it reads and writes this one.
INSERT INTO warehouses (id, name, priority) VALUES ('default', 'Default warehouse', 100);

-- An item is a product, or one variant of it. variant_id '' means "no variant" so the pair is a plain
-- unique key on every database we target (no NULLS NOT DISTINCT, no expression index).
CREATE TABLE items (
  id uuid PRIMARY KEY,
  product_id text NOT NULL CHECK (length(product_id) BETWEEN 1 AND 128),
  variant_id text NOT NULL DEFAULT '' CHECK (length(variant_id) <= 128),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT items_product_variant_key UNIQUE (product_id, variant_id)
);

-- available = on_hand - reserved - committed - damaged - safety_stock, derived and never stored.
CREATE TABLE stock_levels (
  item_id uuid NOT NULL REFERENCES items (id),
  warehouse_id text NOT NULL REFERENCES warehouses (id),
  on_hand bigint NOT NULL DEFAULT 0,
  reserved bigint NOT NULL DEFAULT 0,
  committed bigint NOT NULL DEFAULT 0,
  incoming bigint NOT NULL DEFAULT 0,
  damaged bigint NOT NULL DEFAULT 0,
  safety_stock bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (item_id, warehouse_id),
  CONSTRAINT stock_levels_non_negative CHECK (
    on_hand >= 0 AND reserved >= 0 AND committed >= 0 AND incoming >= 0 AND damaged >= 0
    AND safety_stock >= 0
  ),
  CONSTRAINT stock_levels_held_within_on_hand CHECK (reserved + committed + damaged <= on_hand),
  CONSTRAINT stock_levels_on_hand_max CHECK (on_hand <= 1000000000000 AND incoming <= 1000000000000)
);

CREATE TABLE reservations (
  id uuid PRIMARY KEY,
  order_id text NOT NULL CHECK (length(order_id) BETWEEN 1 AND 128),
  status text NOT NULL DEFAULT 'PENDING'
    CHECK (status IN ('PENDING', 'COMMITTED', 'RELEASED', 'EXPIRED')),
  expires_at timestamptz NOT NULL,
  actor text NOT NULL,
  correlation_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  CONSTRAINT reservations_ended_iff_not_pending CHECK ((status = 'PENDING') = (ended_at IS NULL))
);

-- The expiry sweeper reads only pending rows in expiry order; the partial index stays small.
CREATE INDEX reservations_pending_expiry_idx ON reservations (expires_at) WHERE status = 'PENDING';
CREATE INDEX reservations_order_idx ON reservations (order_id);

CREATE TABLE reservation_lines (
  reservation_id uuid NOT NULL REFERENCES reservations (id),
  line_no integer NOT NULL CHECK (line_no >= 1),
  item_id uuid NOT NULL,
  warehouse_id text NOT NULL,
  quantity bigint NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (reservation_id, line_no),
  FOREIGN KEY (item_id, warehouse_id) REFERENCES stock_levels (item_id, warehouse_id)
);

-- The ledger: one row per change to one stock level, with the signed change of each bucket. For every
-- stock level, the sum of each delta column equals the bucket (db/ledger.repository.ts checks it).
CREATE TABLE stock_movements (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  item_id uuid NOT NULL,
  warehouse_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('INIT', 'RECEIPT', 'RESERVE', 'RELEASE', 'EXPIRE', 'DEDUCT')),
  on_hand_delta bigint NOT NULL DEFAULT 0,
  reserved_delta bigint NOT NULL DEFAULT 0,
  committed_delta bigint NOT NULL DEFAULT 0,
  incoming_delta bigint NOT NULL DEFAULT 0,
  damaged_delta bigint NOT NULL DEFAULT 0,
  safety_stock_delta bigint NOT NULL DEFAULT 0,
  reason text,
  reference_type text,
  reference_id text,
  reservation_id uuid,
  actor text NOT NULL,
  correlation_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (item_id, warehouse_id) REFERENCES stock_levels (item_id, warehouse_id)
);

CREATE INDEX stock_movements_stock_level_idx ON stock_movements (item_id, warehouse_id, id);
CREATE INDEX stock_movements_reservation_idx ON stock_movements (reservation_id)
  WHERE reservation_id IS NOT NULL;

-- Append-only: history that can be edited is not an audit trail.
CREATE FUNCTION stock_movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stock_movements is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER stock_movements_no_update_or_delete
  BEFORE UPDATE OR DELETE ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION stock_movements_append_only();

-- Idempotency-Key records: the first request with a key stores its result in the same transaction as
-- the change; a retry with the same key and request finds it and gets the same answer.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash text NOT NULL,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
