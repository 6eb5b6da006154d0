-- Group commit for reservations (issue #4). One call applies a batch of already-planned
-- reservations in arrival order, each all-or-nothing, in one transaction: the commit's WAL flush,
-- the cost that bounds a transaction-per-request design, is paid once per batch.
--
-- p_requests: [{"id": uuid, "order_id", "ttl_ms", "actor", "correlation_id", "strategy",
--   "postal_code", "lines": [{"line_no", "item_id", "warehouse_id", "quantity", "request_line",
--   "request_quantity", "kit_item_id", "reason"}]}]; lines of one item and warehouse are merged by
--   the caller. Returns one row per request, in order: ok, or the first line that did not fit and
--   why: INSUFFICIENT_STOCK, SALES_BLOCKED, ITEM_DISCONTINUED or WAREHOUSE_INACTIVE. Those rules
--   are checked here, at apply time, so a caller that planned from a cache cannot get past them.
--
-- Every stock level the batch touches is locked up front in key order (so batches from several
-- instances cannot deadlock), availability is decided in memory request by request, and then the
-- stock, reservation, line and ledger rows of the accepted requests are written set-wise.
CREATE FUNCTION inventory_reserve_batch(p_requests jsonb)
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
LANGUAGE plpgsql AS $$
-- The result columns share names with table columns; inside the body a bare name is the column.
#variable_conflict use_column
DECLARE
  -- Stock levels the batch touches, in key order: availability and any refusal, by position.
  k_item uuid[];
  k_warehouse text[];
  k_available bigint[];
  k_refusal text[];
  -- Every line of every request, in request order, with the position of its stock level.
  l_request integer[];
  l_key integer[];
  l_item uuid[];
  l_warehouse text[];
  l_quantity bigint[];
  v_lines integer;
  v_requests integer := jsonb_array_length(p_requests);
  v_pos integer := 1;
  v_start integer;
  v_failed_at integer;
  v_key integer;
  v_accepted integer[] := '{}';
  v_failed_index integer[] := '{}';
  v_failed_item uuid[] := '{}';
  v_failed_warehouse text[] := '{}';
  v_failed_available bigint[] := '{}';
  v_failed_code text[] := '{}';
  v_plan jsonb;
BEGIN
  SELECT array_agg(k.item_id ORDER BY k.item_id, k.warehouse_id),
    array_agg(k.warehouse_id ORDER BY k.item_id, k.warehouse_id),
    array_agg(k.available ORDER BY k.item_id, k.warehouse_id),
    array_agg(k.refusal ORDER BY k.item_id, k.warehouse_id)
  INTO k_item, k_warehouse, k_available, k_refusal
  FROM (
    SELECT s.item_id, s.warehouse_id,
      s.on_hand - s.reserved - s.committed - s.damaged - s.safety_stock - s.backordered AS available,
      CASE WHEN i.sales_blocked THEN 'SALES_BLOCKED'
           WHEN i.discontinued THEN 'ITEM_DISCONTINUED'
           WHEN NOT w.active THEN 'WAREHOUSE_INACTIVE' END AS refusal
    FROM stock_levels s
    JOIN items i ON i.id = s.item_id
    JOIN warehouses w ON w.id = s.warehouse_id
    JOIN (
      SELECT DISTINCT (l->>'item_id')::uuid AS item_id, l->>'warehouse_id' AS warehouse_id
      FROM jsonb_array_elements(p_requests) r, jsonb_array_elements(r->'lines') l
    ) wanted ON wanted.item_id = s.item_id AND wanted.warehouse_id = s.warehouse_id
    ORDER BY s.item_id, s.warehouse_id
    FOR UPDATE OF s
  ) k;

  SELECT array_agg((r.ordinality - 1)::integer ORDER BY r.ordinality, l.ordinality),
    array_agg(k.position::integer ORDER BY r.ordinality, l.ordinality),
    array_agg((l.value->>'item_id')::uuid ORDER BY r.ordinality, l.ordinality),
    array_agg(l.value->>'warehouse_id' ORDER BY r.ordinality, l.ordinality),
    array_agg((l.value->>'quantity')::bigint ORDER BY r.ordinality, l.ordinality)
  INTO l_request, l_key, l_item, l_warehouse, l_quantity
  FROM jsonb_array_elements(p_requests) WITH ORDINALITY r
  CROSS JOIN jsonb_array_elements(r.value->'lines') WITH ORDINALITY l
  LEFT JOIN unnest(k_item, k_warehouse) WITH ORDINALITY AS k(item_id, warehouse_id, position)
    ON k.item_id = (l.value->>'item_id')::uuid AND k.warehouse_id = l.value->>'warehouse_id';
  v_lines := coalesce(cardinality(l_request), 0);

  -- Decide each request in arrival order against what earlier ones left. Its lines take their
  -- units as they go (so two lines on one stock level count against each other); a request that
  -- does not fit gives back what its earlier lines took.
  FOR v_request IN 0 .. v_requests - 1 LOOP
    v_start := v_pos;
    v_failed_at := NULL;
    WHILE v_pos <= v_lines AND l_request[v_pos] = v_request LOOP
      IF v_failed_at IS NULL THEN
        v_key := l_key[v_pos];
        IF v_key IS NULL OR k_refusal[v_key] IS NOT NULL OR k_available[v_key] < l_quantity[v_pos] THEN
          v_failed_at := v_pos;
          v_failed_index := v_failed_index || v_request;
          v_failed_item := v_failed_item || l_item[v_pos];
          v_failed_warehouse := v_failed_warehouse || l_warehouse[v_pos];
          v_failed_available := v_failed_available
            || GREATEST(CASE WHEN v_key IS NULL THEN 0 ELSE k_available[v_key] END, 0);
          v_failed_code := v_failed_code
            || coalesce(CASE WHEN v_key IS NULL THEN NULL ELSE k_refusal[v_key] END, 'INSUFFICIENT_STOCK');
        ELSE
          k_available[v_key] := k_available[v_key] - l_quantity[v_pos];
        END IF;
      END IF;
      v_pos := v_pos + 1;
    END LOOP;
    IF v_failed_at IS NULL THEN
      v_accepted := v_accepted || v_request;
    ELSE
      FOR v_undo IN v_start .. v_failed_at - 1 LOOP
        k_available[l_key[v_undo]] := k_available[l_key[v_undo]] + l_quantity[v_undo];
      END LOOP;
    END IF;
  END LOOP;

  IF cardinality(v_accepted) > 0 THEN
    v_plan := (
      SELECT jsonb_agg(r.value ORDER BY r.ordinality)
      FROM jsonb_array_elements(p_requests) WITH ORDINALITY r
      WHERE (r.ordinality - 1)::integer = ANY (v_accepted)
    );
    UPDATE stock_levels s SET reserved = s.reserved + t.quantity, updated_at = now()
    FROM (
      SELECT (l->>'item_id')::uuid AS item_id, l->>'warehouse_id' AS warehouse_id,
        sum((l->>'quantity')::bigint) AS quantity
      FROM jsonb_array_elements(v_plan) r, jsonb_array_elements(r->'lines') l
      GROUP BY 1, 2
    ) t
    WHERE s.item_id = t.item_id AND s.warehouse_id = t.warehouse_id;

    INSERT INTO reservations (id, order_id, expires_at, actor, correlation_id,
      allocation_strategy, destination_postal_code)
    SELECT (r->>'id')::uuid, r->>'order_id', now() + (r->>'ttl_ms')::bigint * interval '1 millisecond',
      r->>'actor', r->>'correlation_id', r->>'strategy', r->>'postal_code'
    FROM jsonb_array_elements(v_plan) r;

    INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity,
      request_line, request_quantity, kit_item_id, allocation_reason)
    SELECT (r->>'id')::uuid, (l->>'line_no')::integer, (l->>'item_id')::uuid, l->>'warehouse_id',
      (l->>'quantity')::bigint, (l->>'request_line')::integer, (l->>'request_quantity')::bigint,
      (l->>'kit_item_id')::uuid, l->>'reason'
    FROM jsonb_array_elements(v_plan) r, jsonb_array_elements(r->'lines') l;

    INSERT INTO stock_movements (item_id, warehouse_id, kind, reserved_delta, reason,
      reference_type, reference_id, reservation_id, actor, correlation_id)
    SELECT (l->>'item_id')::uuid, l->>'warehouse_id', 'RESERVE', (l->>'quantity')::bigint,
      'reserve', 'order', r->>'order_id', (r->>'id')::uuid, r->>'actor', r->>'correlation_id'
    FROM jsonb_array_elements(v_plan) r, jsonb_array_elements(r->'lines') l;
  END IF;

  RETURN QUERY
  SELECT (r.ordinality - 1)::integer,
    (r.ordinality - 1)::integer = ANY (v_accepted),
    f.item_id, f.warehouse_id, f.available, f.code,
    now(),
    now() + (r.value->>'ttl_ms')::bigint * interval '1 millisecond'
  FROM jsonb_array_elements(p_requests) WITH ORDINALITY r
  LEFT JOIN unnest(v_failed_index, v_failed_item, v_failed_warehouse, v_failed_available,
    v_failed_code) AS f(request_index, item_id, warehouse_id, available, code)
    ON f.request_index = (r.ordinality - 1)::integer
  ORDER BY r.ordinality;
END;
$$;
