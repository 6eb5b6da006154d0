-- Group commit for reservations takes its batch as typed arrays, one per column, instead of one
-- jsonb document; inventory_reserve_batch(jsonb) stays, as a wrapper that unpacks its document and
-- calls the new function, for any caller that still sends one.
--
-- What a batch costs PostgreSQL, counted in instructions by bench/batch-instructions.ts (valgrind
-- --tool=callgrind on a single-user backend, so the count is the same at every run): 100 batches
-- after 10 of warm-up on 10,000 items, less what reading the statement text alone costs in
-- single-user mode. Per reservation, 0008's body at 4b77215 (`--forms document`) against this
-- function:
--
--   batch                                   jsonb (0008)   arrays (this file)
--   30 one-line requests on one item           320,898       232,194   -28%
--   30 one-line requests on 30 items           383,026       304,627   -20%
--   25 five-line carts                       1,364,262     1,067,144   -22%
--
-- The jsonb document was parsed whole (keys sorted, every value copied) and then read field by
-- field, three times over for each line, every id through uuid_in each time. Arrays are parsed
-- once into the types the tables take, and every statement reads them by position. A caller of
-- the document form below now pays for the unpacking and the arrays both (375,826, 448,127 and
-- 1,399,989 in the same runs), more than before; the service does not use it.
--
-- Two more changes inside the function, each counted the same way on a variant without it:
-- - plan_cache_mode = force_generic_plan. A statement over a one-element array (a batch on one
--   item) looked cheaper planned for its values than generic, so PostgreSQL planned it again at
--   every call: 6% of a hot-item batch. With the planner settings of 0005 every plan is the same
--   shape either way (auto_explain shows identical plans), so the generic one is kept.
-- - The stock levels are updated by the row address (ctid) that locking them returned, not looked
--   up again through the index: 4% of a batch over 30 items. This is safe because the batch holds
--   those rows locked FOR UPDATE from the lock statement to the update, so no one else can move
--   them, and nothing in between writes to stock_levels. FOR UPDATE returns the newest version
--   when it had to wait for another writer, and the address with it.
--
-- Arguments: the requests' columns (p_id .. p_postal_code, one element per request, in arrival
-- order) and the lines' columns (p_line_request .. p_line_reason, one element per line), where
-- p_line_request is the 1-based position of the line's request. Lines come grouped by request, in
-- request order; anything else is refused with invalid_parameter_value, as are arrays of unequal
-- length. The result is that of 0008: one row per request, in order.
CREATE FUNCTION inventory_reserve_batch_arrays(
  p_id uuid[],
  p_order_id text[],
  p_ttl_ms bigint[],
  p_actor text[],
  p_correlation_id text[],
  p_strategy text[],
  p_postal_code text[],
  p_line_request integer[],
  p_line_no integer[],
  p_line_item uuid[],
  p_line_warehouse text[],
  p_line_quantity bigint[],
  p_line_request_line integer[],
  p_line_request_quantity bigint[],
  p_line_kit_item uuid[],
  p_line_reason text[]
)
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
SET plan_cache_mode = force_generic_plan SET jit = off SET inventory.references_checked = 'on'
AS $$
-- The result columns share names with table columns; inside the body a bare name is the column.
#variable_conflict use_column
DECLARE
  v_requests integer := coalesce(cardinality(p_id), 0);
  v_lines integer := coalesce(cardinality(p_line_request), 0);
  -- Per line: the position (1-based) of its stock level among the batch's distinct levels in key
  -- order.
  l_key integer[];
  -- The distinct stock levels, in key order: the row address, availability (NULL when the level
  -- does not exist), any refusal, and the units the accepted requests take.
  k_item uuid[];
  k_warehouse text[];
  k_row tid[];
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
  IF coalesce(cardinality(p_order_id), 0) <> v_requests
      OR coalesce(cardinality(p_ttl_ms), 0) <> v_requests
      OR coalesce(cardinality(p_actor), 0) <> v_requests
      OR coalesce(cardinality(p_correlation_id), 0) <> v_requests
      OR coalesce(cardinality(p_strategy), 0) <> v_requests
      OR coalesce(cardinality(p_postal_code), 0) <> v_requests THEN
    RAISE EXCEPTION 'inventory_reserve_batch_arrays: the request arrays differ in length'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF coalesce(cardinality(p_line_no), 0) <> v_lines
      OR coalesce(cardinality(p_line_item), 0) <> v_lines
      OR coalesce(cardinality(p_line_warehouse), 0) <> v_lines
      OR coalesce(cardinality(p_line_quantity), 0) <> v_lines
      OR coalesce(cardinality(p_line_request_line), 0) <> v_lines
      OR coalesce(cardinality(p_line_request_quantity), 0) <> v_lines
      OR coalesce(cardinality(p_line_kit_item), 0) <> v_lines
      OR coalesce(cardinality(p_line_reason), 0) <> v_lines THEN
    RAISE EXCEPTION 'inventory_reserve_batch_arrays: the line arrays differ in length'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT array_agg(x.key ORDER BY x.pos) INTO l_key
  FROM (
    SELECT u.pos, dense_rank() OVER (ORDER BY u.item_id, u.warehouse_id)::integer AS key
    FROM unnest(p_line_item, p_line_warehouse) WITH ORDINALITY AS u(item_id, warehouse_id, pos)
  ) x;

  SELECT array_agg(d.item_id ORDER BY d.key), array_agg(d.warehouse_id ORDER BY d.key)
  INTO k_item, k_warehouse
  FROM (SELECT DISTINCT key, item_id, warehouse_id
        FROM unnest(l_key, p_line_item, p_line_warehouse) AS u(key, item_id, warehouse_id)) d;
  k_taken := array_fill(0::bigint, ARRAY[coalesce(cardinality(k_item), 0)]);

  -- Lock every stock level the batch touches, one index lookup each, in key order (the nested
  -- loop walks k in order), as every other writer takes them: batches from several instances
  -- cannot deadlock.
  SELECT array_agg(s.row_address ORDER BY k.key), array_agg(s.available ORDER BY k.key),
    array_agg(s.refusal ORDER BY k.key)
  INTO k_row, k_available, k_refusal
  FROM unnest(k_item, k_warehouse) WITH ORDINALITY AS k(item_id, warehouse_id, key)
  LEFT JOIN LATERAL (
    SELECT s.ctid AS row_address,
      s.on_hand - s.reserved - s.committed - s.damaged - s.safety_stock - s.backordered
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
    WHILE v_pos <= v_lines AND p_line_request[v_pos] = v_request LOOP
      IF v_failed_at IS NULL THEN
        v_key := l_key[v_pos];
        IF k_available[v_key] IS NULL OR k_refusal[v_key] IS NOT NULL
            OR k_available[v_key] < p_line_quantity[v_pos] THEN
          v_failed_at := v_pos;
          r_item[v_request] := p_line_item[v_pos];
          r_warehouse[v_request] := p_line_warehouse[v_pos];
          r_available[v_request] := GREATEST(coalesce(k_available[v_key], 0), 0);
          r_code[v_request] := coalesce(k_refusal[v_key], 'INSUFFICIENT_STOCK');
        ELSE
          k_available[v_key] := k_available[v_key] - p_line_quantity[v_pos];
          k_taken[v_key] := k_taken[v_key] + p_line_quantity[v_pos];
        END IF;
      END IF;
      v_pos := v_pos + 1;
    END LOOP;
    IF v_failed_at IS NULL THEN
      r_ok[v_request] := true;
      v_any_ok := true;
    ELSE
      FOR v_undo IN v_start .. v_failed_at - 1 LOOP
        k_available[l_key[v_undo]] := k_available[l_key[v_undo]] + p_line_quantity[v_undo];
        k_taken[l_key[v_undo]] := k_taken[l_key[v_undo]] - p_line_quantity[v_undo];
      END LOOP;
    END IF;
  END LOOP;
  -- A line the loop did not reach names no request, or came after a later request's lines.
  IF v_pos <= v_lines THEN
    RAISE EXCEPTION 'inventory_reserve_batch_arrays: line % is not grouped in request order '
        '(its request is %)', v_pos, p_line_request[v_pos]
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  IF v_any_ok THEN
    UPDATE stock_levels s SET reserved = s.reserved + t.taken, updated_at = now()
    FROM unnest(k_row, k_taken) AS t(row_address, taken)
    WHERE t.taken > 0 AND s.ctid = t.row_address;

    INSERT INTO reservations (id, order_id, expires_at, actor, correlation_id,
      allocation_strategy, destination_postal_code)
    SELECT r.id, r.order_id, now() + r.ttl_ms * interval '1 millisecond', r.actor,
      r.correlation_id, r.strategy, r.postal_code
    FROM unnest(p_id, p_order_id, p_ttl_ms, p_actor, p_correlation_id, p_strategy, p_postal_code,
      r_ok) AS r(id, order_id, ttl_ms, actor, correlation_id, strategy, postal_code, ok)
    WHERE r.ok;

    INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity,
      request_line, request_quantity, kit_item_id, allocation_reason)
    SELECT p_id[l.request], l.line_no, l.item_id, l.warehouse_id, l.quantity, l.request_line,
      l.request_quantity, l.kit_item_id, l.reason
    FROM unnest(p_line_request, p_line_no, p_line_item, p_line_warehouse, p_line_quantity,
      p_line_request_line, p_line_request_quantity, p_line_kit_item, p_line_reason)
      AS l(request, line_no, item_id, warehouse_id, quantity, request_line, request_quantity,
        kit_item_id, reason)
    WHERE r_ok[l.request];

    INSERT INTO stock_movements (item_id, warehouse_id, kind, reserved_delta, reason,
      reference_type, reference_id, reservation_id, actor, correlation_id)
    SELECT l.item_id, l.warehouse_id, 'RESERVE', l.quantity, 'reserve', 'order',
      p_order_id[l.request], p_id[l.request], p_actor[l.request], p_correlation_id[l.request]
    FROM unnest(p_line_request, p_line_item, p_line_warehouse, p_line_quantity)
      AS l(request, item_id, warehouse_id, quantity)
    WHERE r_ok[l.request];
  END IF;

  RETURN QUERY
  SELECT (r.i - 1)::integer, r_ok[r.i], r_item[r.i], r_warehouse[r.i], r_available[r.i],
    r_code[r.i], now(), now() + r.ttl_ms * interval '1 millisecond'
  FROM unnest(p_ttl_ms) WITH ORDINALITY AS r(ttl_ms, i)
  ORDER BY r.i;
END;
$$;

-- The document form of 0003 (0008 had its last body), unpacked into the arrays above. The
-- settings of 0005 and 0009 go with the old body (the new function carries its own); JIT stays off
-- for the unpacking statement too (0010).
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
LANGUAGE sql
SET jit = off
AS $$
  SELECT b.*
  FROM (
    SELECT array_agg((r.value->>'id')::uuid ORDER BY r.ordinality) AS id,
      array_agg(r.value->>'order_id' ORDER BY r.ordinality) AS order_id,
      array_agg((r.value->>'ttl_ms')::bigint ORDER BY r.ordinality) AS ttl_ms,
      array_agg(r.value->>'actor' ORDER BY r.ordinality) AS actor,
      array_agg(r.value->>'correlation_id' ORDER BY r.ordinality) AS correlation_id,
      array_agg(r.value->>'strategy' ORDER BY r.ordinality) AS strategy,
      array_agg(r.value->>'postal_code' ORDER BY r.ordinality) AS postal_code
    FROM jsonb_array_elements(p_requests) WITH ORDINALITY r
  ) req,
  (
    SELECT array_agg(r.ordinality::integer ORDER BY r.ordinality, l.ordinality) AS request,
      array_agg((l.value->>'line_no')::integer ORDER BY r.ordinality, l.ordinality) AS line_no,
      array_agg((l.value->>'item_id')::uuid ORDER BY r.ordinality, l.ordinality) AS item,
      array_agg(l.value->>'warehouse_id' ORDER BY r.ordinality, l.ordinality) AS warehouse,
      array_agg((l.value->>'quantity')::bigint ORDER BY r.ordinality, l.ordinality) AS quantity,
      array_agg((l.value->>'request_line')::integer ORDER BY r.ordinality, l.ordinality)
        AS request_line,
      array_agg((l.value->>'request_quantity')::bigint ORDER BY r.ordinality, l.ordinality)
        AS request_quantity,
      array_agg((l.value->>'kit_item_id')::uuid ORDER BY r.ordinality, l.ordinality) AS kit_item,
      array_agg(l.value->>'reason' ORDER BY r.ordinality, l.ordinality) AS reason
    FROM jsonb_array_elements(p_requests) WITH ORDINALITY r
    CROSS JOIN jsonb_array_elements(r.value->'lines') WITH ORDINALITY l
  ) lin,
  inventory_reserve_batch_arrays(req.id, req.order_id, req.ttl_ms, req.actor, req.correlation_id,
    req.strategy, req.postal_code, lin.request, lin.line_no, lin.item, lin.warehouse,
    lin.quantity, lin.request_line, lin.request_quantity, lin.kit_item, lin.reason) b
  ORDER BY b.request_index
$$;
