-- Warehouses with location, items with catalog rules, kits, backorders, the committed/fulfilled
-- lifecycle of reservations, and transfers between warehouses (issue #3).

-- Warehouses: seed 002's id/name/region/priority plus location for proximity allocation.
-- Lower priority numbers are served first (seed 002's config lists priority 1 as its first choice).
ALTER TABLE warehouses
  ADD COLUMN region text CHECK (length(region) <= 64),
  ADD COLUMN latitude double precision CHECK (latitude BETWEEN -90 AND 90),
  ADD COLUMN longitude double precision CHECK (longitude BETWEEN -180 AND 180),
  ADD COLUMN postal_prefixes text[] NOT NULL DEFAULT '{}',
  ADD CONSTRAINT warehouses_location_pair CHECK ((latitude IS NULL) = (longitude IS NULL)),
  ADD CONSTRAINT warehouses_priority_range CHECK (priority BETWEEN 0 AND 1000000);

-- Items: addressable by id, by SKU, and by product + variant. Status is derived from available vs
-- reorder_point, except DISCONTINUED which is set by hand.
ALTER TABLE items
  ADD COLUMN sku text CHECK (length(sku) BETWEEN 1 AND 128),
  ADD COLUMN name text CHECK (length(name) BETWEEN 1 AND 200),
  ADD COLUMN discontinued boolean NOT NULL DEFAULT false,
  ADD COLUMN reorder_point bigint NOT NULL DEFAULT 0 CHECK (reorder_point BETWEEN 0 AND 1000000000000),
  ADD COLUMN reorder_quantity bigint NOT NULL DEFAULT 0
    CHECK (reorder_quantity BETWEEN 0 AND 1000000000000),
  -- NULL: the service's LOW_STOCK_THRESHOLD applies.
  ADD COLUMN low_stock_threshold bigint CHECK (low_stock_threshold BETWEEN 0 AND 1000000000000),
  ADD COLUMN backorder_allowed boolean NOT NULL DEFAULT false,
  ADD COLUMN backorder_limit bigint NOT NULL DEFAULT 0 CHECK (backorder_limit BETWEEN 0 AND 1000000000),
  ADD COLUMN sales_blocked boolean NOT NULL DEFAULT false,
  ADD COLUMN sales_blocked_reason text CHECK (length(sales_blocked_reason) <= 500),
  ADD COLUMN is_kit boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT items_sku_key UNIQUE (sku);

-- A kit holds no stock of its own: reserving one reserves its components.
CREATE TABLE kit_components (
  kit_item_id uuid NOT NULL REFERENCES items (id),
  component_item_id uuid NOT NULL REFERENCES items (id),
  quantity bigint NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
  PRIMARY KEY (kit_item_id, component_item_id),
  CONSTRAINT kit_components_not_self CHECK (kit_item_id <> component_item_id)
);

-- backordered: units promised to reservations that stock does not cover yet. New stock covers them
-- first: available = on_hand - reserved - committed - damaged - safety_stock - backordered.
ALTER TABLE stock_levels
  ADD COLUMN backordered bigint NOT NULL DEFAULT 0 CHECK (backordered BETWEEN 0 AND 1000000000000),
  ADD COLUMN incoming_expected_at timestamptz;

ALTER TABLE stock_movements
  ADD COLUMN backordered_delta bigint NOT NULL DEFAULT 0;
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_kind_check;
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_kind_check CHECK (kind IN (
  'INIT', 'RECEIPT', 'RESERVE', 'RELEASE', 'EXPIRE', 'DEDUCT', 'COMMIT', 'FULFIL', 'ADJUST',
  'TRANSFER_OUT', 'TRANSFER_IN', 'INCOMING', 'RECEIVE'));

-- Reservation lifecycle: PENDING -> COMMITTED (confirmed, units in the committed bucket) ->
-- FULFILLED (shipped, units left on hand); or PENDING -> RELEASED / EXPIRED; or COMMITTED ->
-- RELEASED (an order cancelled after confirmation returns its units). Seed 000's deduct goes
-- straight to FULFILLED, so its earlier COMMITTED rows are FULFILLED in the new model.
ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
UPDATE reservations SET status = 'FULFILLED' WHERE status = 'COMMITTED';
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
  CHECK (status IN ('PENDING', 'COMMITTED', 'FULFILLED', 'RELEASED', 'EXPIRED'));
ALTER TABLE reservations
  ADD COLUMN allocation_strategy text,
  ADD COLUMN destination_postal_code text CHECK (length(destination_postal_code) <= 32),
  ADD COLUMN committed_at timestamptz,
  ADD COLUMN fulfilled_at timestamptz;

-- One row per allocation: a cart line split over two warehouses is two rows with one request_line.
-- committed_quantity / committed_backordered are set by commit (partial commit keeps fewer).
ALTER TABLE reservation_lines
  ADD COLUMN request_line integer NOT NULL DEFAULT 1 CHECK (request_line >= 1),
  -- The request line's quantity as asked: kits for a kit line, units otherwise.
  ADD COLUMN request_quantity bigint CHECK (request_quantity >= 1),
  ADD COLUMN kit_item_id uuid REFERENCES items (id),
  ADD COLUMN backordered bigint NOT NULL DEFAULT 0,
  ADD COLUMN committed_quantity bigint NOT NULL DEFAULT 0,
  ADD COLUMN committed_backordered bigint NOT NULL DEFAULT 0,
  -- Why the allocator chose this warehouse, shown back to the caller ("ships from ... because ...").
  ADD COLUMN allocation_reason text CHECK (length(allocation_reason) <= 500),
  ADD CONSTRAINT reservation_lines_backordered_range CHECK (backordered BETWEEN 0 AND quantity),
  ADD CONSTRAINT reservation_lines_committed_range CHECK (
    committed_quantity BETWEEN 0 AND quantity
    AND committed_backordered BETWEEN 0 AND backordered
    AND committed_backordered <= committed_quantity);
UPDATE reservation_lines SET request_line = line_no;
UPDATE reservation_lines l SET committed_quantity = l.quantity
  FROM reservations r WHERE r.id = l.reservation_id AND r.status = 'FULFILLED';

-- Transfers: out of one warehouse now; into the other at once, or as incoming until received.
CREATE TABLE transfers (
  id uuid PRIMARY KEY,
  item_id uuid NOT NULL REFERENCES items (id),
  from_warehouse_id text NOT NULL REFERENCES warehouses (id),
  to_warehouse_id text NOT NULL REFERENCES warehouses (id),
  quantity bigint NOT NULL CHECK (quantity BETWEEN 1 AND 1000000000),
  status text NOT NULL CHECK (status IN ('IN_TRANSIT', 'RECEIVED')),
  reason text CHECK (length(reason) <= 500),
  actor text NOT NULL,
  correlation_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  received_at timestamptz,
  CONSTRAINT transfers_distinct_warehouses CHECK (from_warehouse_id <> to_warehouse_id),
  CONSTRAINT transfers_received_at CHECK ((status = 'RECEIVED') = (received_at IS NOT NULL))
);
CREATE INDEX transfers_item_idx ON transfers (item_id, created_at);

CREATE INDEX stock_movements_created_idx ON stock_movements (created_at, id);
CREATE INDEX stock_levels_warehouse_idx ON stock_levels (warehouse_id, item_id);
