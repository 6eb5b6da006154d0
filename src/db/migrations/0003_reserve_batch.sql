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
  v_available jsonb := '{}'::jsonb;
  v_trial jsonb;
  v_key text;
  v_units bigint;
  v_request jsonb;
  v_line jsonb;
  v_index integer := 0;
  v_fits boolean;
  v_accepted integer[] := '{}';
  v_failed_item uuid[] := '{}';
  v_failed_warehouse text[] := '{}';
  v_failed_available bigint[] := '{}';
  v_failed_index integer[] := '{}';
  v_failed_code text[] := '{}';
  v_refusals jsonb := '{}'::jsonb;
  v_refusal text;
  v_plan jsonb;
BEGIN
  FOR v_key, v_units, v_refusal IN
    SELECT s.item_id::text || '|' || s.warehouse_id,
      s.on_hand - s.reserved - s.committed - s.damaged - s.safety_stock - s.backordered,
      CASE WHEN i.sales_blocked THEN 'SALES_BLOCKED'
           WHEN i.discontinued THEN 'ITEM_DISCONTINUED'
           WHEN NOT w.active THEN 'WAREHOUSE_INACTIVE' END
    FROM stock_levels s
    JOIN items i ON i.id = s.item_id
    JOIN warehouses w ON w.id = s.warehouse_id
    JOIN (
      SELECT DISTINCT (l->>'item_id')::uuid AS item_id, l->>'warehouse_id' AS warehouse_id
      FROM jsonb_array_elements(p_requests) r, jsonb_array_elements(r->'lines') l
    ) wanted ON wanted.item_id = s.item_id AND wanted.warehouse_id = s.warehouse_id
    ORDER BY s.item_id, s.warehouse_id
    FOR UPDATE OF s
  LOOP
    v_available := v_available || jsonb_build_object(v_key, v_units);
    IF v_refusal IS NOT NULL THEN
      v_refusals := v_refusals || jsonb_build_object(v_key, v_refusal);
    END IF;
  END LOOP;

  -- Decide each request in arrival order against what earlier ones left. A request is tried on a
  -- copy, so two of its lines on one stock level count against each other, and a request that
  -- does not fit leaves nothing behind.
  FOR v_request IN SELECT value FROM jsonb_array_elements(p_requests) LOOP
    v_fits := true;
    v_trial := v_available;
    FOR v_line IN SELECT value FROM jsonb_array_elements(v_request->'lines') LOOP
      v_key := (v_line->>'item_id') || '|' || (v_line->>'warehouse_id');
      v_units := coalesce((v_trial->>v_key)::bigint, 0);
      v_refusal := v_refusals->>v_key;
      IF v_refusal IS NOT NULL OR v_units < (v_line->>'quantity')::bigint THEN
        v_fits := false;
        v_failed_index := v_failed_index || v_index;
        v_failed_code := v_failed_code || coalesce(v_refusal, 'INSUFFICIENT_STOCK');
        v_failed_item := v_failed_item || (v_line->>'item_id')::uuid;
        v_failed_warehouse := v_failed_warehouse || (v_line->>'warehouse_id');
        v_failed_available := v_failed_available || GREATEST(v_units, 0);
        EXIT;
      END IF;
      v_trial := jsonb_set(v_trial, ARRAY[v_key], to_jsonb(v_units - (v_line->>'quantity')::bigint));
    END LOOP;
    IF v_fits THEN
      v_available := v_trial;
      v_accepted := v_accepted || v_index;
    END IF;
    v_index := v_index + 1;
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
