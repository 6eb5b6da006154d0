-- Each stock level carries its item's two sales flags, so that reserving reads one row per stock
-- level instead of two.
--
-- inventory_reserve_batch joined every stock level it locks to its item, only to read
-- sales_blocked and discontinued. With a large catalogue that join is what falls out of
-- PostgreSQL's cache: items_pkey is keyed by random ids, so a batch over items that sell touches
-- one leaf per item all over the index. In the bench's direct batch pass (1M items and 10M
-- reservation rows against 10,000, shared_buffers 128 MB) items_pkey was read from outside the
-- cache 0.16 times per reservation (pg_statio), after the ledger index's 0.55 the largest share.
-- A scratch driver of that pass (2 connections, batches of 32, 10 s, 4 rounds alternating the two
-- function bodies) measured, as medians: on the large database 17,947 reservations/s and 81.1 µs
-- of PostgreSQL CPU each with the join, 19,784/s and 72.2 µs without; on the small one 22,034/s
-- and 62.1 µs against 22,784/s and 60.2 µs.
--
-- The copies are kept by triggers, whoever writes: an update of an item's flags updates its stock
-- levels in the same transaction (locked in key order, as reservations lock them), a new stock
-- level takes its item's flags, and nothing else may write the copies. A reservation reads them
-- from the row it locks, so a flag that changes while a batch holds the row applies from the next
-- batch on, as it did when the batch read the item.
--
-- A flag change locks the item, then its stock levels. A reservation with backorders takes a stock
-- level, then its item (the backorder cap), so the two can deadlock; PostgreSQL then cancels one
-- and the service runs that transaction again (both run in transactions retried on deadlock).
ALTER TABLE stock_levels
  ADD COLUMN item_sales_blocked boolean NOT NULL DEFAULT false,
  ADD COLUMN item_discontinued boolean NOT NULL DEFAULT false;

UPDATE stock_levels s
SET item_sales_blocked = i.sales_blocked, item_discontinued = i.discontinued
FROM items i
WHERE i.id = s.item_id AND (i.sales_blocked OR i.discontinued);

-- FOR SHARE waits for a flag change of the item in progress and reads what it committed: a plain
-- read would copy the old flags, and the change, not seeing the uncommitted new stock level,
-- would not correct them.
CREATE FUNCTION stock_levels_copy_item_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT i.sales_blocked, i.discontinued INTO NEW.item_sales_blocked, NEW.item_discontinued
  FROM items i WHERE i.id = NEW.item_id
  FOR SHARE;
  RETURN NEW;
END;
$$;

CREATE TRIGGER stock_levels_item_flags_on_insert
  BEFORE INSERT ON stock_levels FOR EACH ROW EXECUTE FUNCTION stock_levels_copy_item_flags();

CREATE FUNCTION items_flags_to_stock_levels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM stock_levels s WHERE s.item_id = NEW.id ORDER BY s.warehouse_id FOR UPDATE;
  UPDATE stock_levels s
  SET item_sales_blocked = NEW.sales_blocked, item_discontinued = NEW.discontinued
  WHERE s.item_id = NEW.id;
  RETURN NULL;
END;
$$;

-- The WHEN clause is evaluated without calling the function: edits that leave both flags alone
-- (a new name, a reorder point) touch no stock level.
CREATE TRIGGER items_flags_follow
  AFTER UPDATE ON items FOR EACH ROW
  WHEN (OLD.sales_blocked IS DISTINCT FROM NEW.sales_blocked
    OR OLD.discontinued IS DISTINCT FROM NEW.discontinued)
  EXECUTE FUNCTION items_flags_to_stock_levels();

CREATE FUNCTION stock_levels_item_flags_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a stock level''s item flags follow its item (UPDATE of item_sales_blocked or item_discontinued refused)'
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Fires only for a statement that names a copy in its SET list and runs directly (depth 0; the
-- trigger above runs at depth 1). Per statement, not per row: a row-level BEFORE UPDATE trigger
-- makes PostgreSQL fetch and lock every updated row again before it looks at the column list,
-- and every reservation updates stock levels.
CREATE TRIGGER stock_levels_item_flags_written
  BEFORE UPDATE OF item_sales_blocked, item_discontinued ON stock_levels FOR EACH STATEMENT
  WHEN (pg_trigger_depth() = 0)
  EXECUTE FUNCTION stock_levels_item_flags_fixed();

-- The batch function of 0005, reading the flags from the stock level it locks instead of the item.
CREATE OR REPLACE FUNCTION inventory_reserve_batch(p_requests jsonb)
RETURNS TABLE (
  request_index integer,
  ok boolean,
  failed_item_id uuid,
  failed_warehouse_id text,
  failed_available bigint,
  failed_code text,
  created_at timestamptz,
  expires_at timestamptz
)
LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
-- The result columns share names with table columns; inside the body a bare name is the column.
#variable_conflict use_column
DECLARE
  v_requests integer := jsonb_array_length(p_requests);
  -- Every line of every request, in request order, with the position (1-based) of its stock level
  -- among the batch's distinct levels in key order.
  l_request integer[];
  l_key integer[];
  l_item uuid[];
  l_warehouse text[];
  l_quantity bigint[];
  v_lines integer;
  -- The distinct stock levels, in key order: availability (NULL when the level does not exist),
  -- any refusal, and the units the accepted requests take.
  k_item uuid[];
  k_warehouse text[];
  k_available bigint[];
  k_refusal text[];
  k_taken bigint[];
  -- Per request (1-based): accepted, or the first line that did not fit and why.
  r_ok boolean[] := array_fill(false, ARRAY[v_requests]);
  r_item uuid[] := array_fill(NULL::uuid, ARRAY[v_requests]);
  r_warehouse text[] := array_fill(NULL::text, ARRAY[v_requests]);
  r_available bigint[] := array_fill(NULL::bigint, ARRAY[v_requests]);
  r_code text[] := array_fill(NULL::text, ARRAY[v_requests]);
  v_any_ok boolean := false;
  v_pos integer := 1;
  v_start integer;
  v_failed_at integer;
  v_key integer;
BEGIN
  SELECT array_agg(x.request ORDER BY x.request, x.line), array_agg(x.key ORDER BY x.request, x.line),
    array_agg(x.item_id ORDER BY x.request, x.line),
    array_agg(x.warehouse_id ORDER BY x.request, x.line),
    array_agg(x.quantity ORDER BY x.request, x.line)
  INTO l_request, l_key, l_item, l_warehouse, l_quantity
  FROM (
    SELECT r.ordinality::integer AS request, l.ordinality AS line,
      (l.value->>'item_id')::uuid AS item_id, l.value->>'warehouse_id' AS warehouse_id,
      (l.value->>'quantity')::bigint AS quantity,
      dense_rank() OVER (ORDER BY (l.value->>'item_id')::uuid, l.value->>'warehouse_id')::integer
        AS key
    FROM jsonb_array_elements(p_requests) WITH ORDINALITY r
    CROSS JOIN jsonb_array_elements(r.value->'lines') WITH ORDINALITY l
  ) x;
  v_lines := coalesce(cardinality(l_request), 0);

  SELECT array_agg(d.item_id ORDER BY d.key), array_agg(d.warehouse_id ORDER BY d.key)
  INTO k_item, k_warehouse
  FROM (SELECT DISTINCT key, item_id, warehouse_id
        FROM unnest(l_key, l_item, l_warehouse) AS u(key, item_id, warehouse_id)) d;
  k_taken := array_fill(0::bigint, ARRAY[coalesce(cardinality(k_item), 0)]);

  -- Lock every stock level the batch touches, one index lookup each, in key order (the nested
  -- loop walks k in order), as every other writer takes them: batches from several instances
  -- cannot deadlock.
  SELECT array_agg(s.available ORDER BY k.key), array_agg(s.refusal ORDER BY k.key)
  INTO k_available, k_refusal
  FROM unnest(k_item, k_warehouse) WITH ORDINALITY AS k(item_id, warehouse_id, key)
  LEFT JOIN LATERAL (
    SELECT s.on_hand - s.reserved - s.committed - s.damaged - s.safety_stock - s.backordered
        AS available,
      CASE WHEN s.item_sales_blocked THEN 'SALES_BLOCKED'
           WHEN s.item_discontinued THEN 'ITEM_DISCONTINUED'
           WHEN NOT w.active THEN 'WAREHOUSE_INACTIVE' END AS refusal
    FROM stock_levels s
    JOIN warehouses w ON w.id = s.warehouse_id
    WHERE s.item_id = k.item_id AND s.warehouse_id = k.warehouse_id
    FOR UPDATE OF s
  ) s ON true;

  -- Decide each request in arrival order against what earlier ones left. Its lines take their
  -- units as they go (so two lines on one stock level count against each other); a request that
  -- does not fit gives back what its earlier lines took.
  FOR v_request IN 1 .. v_requests LOOP
    v_start := v_pos;
    v_failed_at := NULL;
    WHILE v_pos <= v_lines AND l_request[v_pos] = v_request LOOP
      IF v_failed_at IS NULL THEN
        v_key := l_key[v_pos];
        IF k_available[v_key] IS NULL OR k_refusal[v_key] IS NOT NULL
            OR k_available[v_key] < l_quantity[v_pos] THEN
          v_failed_at := v_pos;
          r_item[v_request] := l_item[v_pos];
          r_warehouse[v_request] := l_warehouse[v_pos];
          r_available[v_request] := GREATEST(coalesce(k_available[v_key], 0), 0);
          r_code[v_request] := coalesce(k_refusal[v_key], 'INSUFFICIENT_STOCK');
        ELSE
          k_available[v_key] := k_available[v_key] - l_quantity[v_pos];
          k_taken[v_key] := k_taken[v_key] + l_quantity[v_pos];
        END IF;
      END IF;
      v_pos := v_pos + 1;
    END LOOP;
    IF v_failed_at IS NULL THEN
      r_ok[v_request] := true;
      v_any_ok := true;
    ELSE
      FOR v_undo IN v_start .. v_failed_at - 1 LOOP
        k_available[l_key[v_undo]] := k_available[l_key[v_undo]] + l_quantity[v_undo];
        k_taken[l_key[v_undo]] := k_taken[l_key[v_undo]] - l_quantity[v_undo];
      END LOOP;
    END IF;
  END LOOP;

  IF v_any_ok THEN
    UPDATE stock_levels s SET reserved = s.reserved + t.taken, updated_at = now()
    FROM unnest(k_item, k_warehouse, k_taken) AS t(item_id, warehouse_id, taken)
    WHERE t.taken > 0 AND s.item_id = t.item_id AND s.warehouse_id = t.warehouse_id;

    INSERT INTO reservations (id, order_id, expires_at, actor, correlation_id,
      allocation_strategy, destination_postal_code)
    SELECT (r.value->>'id')::uuid, r.value->>'order_id',
      now() + (r.value->>'ttl_ms')::bigint * interval '1 millisecond',
      r.value->>'actor', r.value->>'correlation_id', r.value->>'strategy', r.value->>'postal_code'
    FROM jsonb_array_elements(p_requests) WITH ORDINALITY r
    WHERE r_ok[r.ordinality];

    INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity,
      request_line, request_quantity, kit_item_id, allocation_reason)
    SELECT (r.value->>'id')::uuid, (l->>'line_no')::integer, (l->>'item_id')::uuid,
      l->>'warehouse_id', (l->>'quantity')::bigint, (l->>'request_line')::integer,
      (l->>'request_quantity')::bigint, (l->>'kit_item_id')::uuid, l->>'reason'
    FROM jsonb_array_elements(p_requests) WITH ORDINALITY r,
      jsonb_array_elements(r.value->'lines') l
    WHERE r_ok[r.ordinality];

    INSERT INTO stock_movements (item_id, warehouse_id, kind, reserved_delta, reason,
      reference_type, reference_id, reservation_id, actor, correlation_id)
    SELECT (l->>'item_id')::uuid, l->>'warehouse_id', 'RESERVE', (l->>'quantity')::bigint,
      'reserve', 'order', r.value->>'order_id', (r.value->>'id')::uuid, r.value->>'actor',
      r.value->>'correlation_id'
    FROM jsonb_array_elements(p_requests) WITH ORDINALITY r,
      jsonb_array_elements(r.value->'lines') l
    WHERE r_ok[r.ordinality];
  END IF;

  RETURN QUERY
  SELECT (r.ordinality - 1)::integer, r_ok[r.ordinality], r_item[r.ordinality],
    r_warehouse[r.ordinality], r_available[r.ordinality], r_code[r.ordinality], now(),
    now() + (r.value->>'ttl_ms')::bigint * interval '1 millisecond'
  FROM jsonb_array_elements(p_requests) WITH ORDINALITY r
  ORDER BY r.ordinality;
END;
$$;
