-- Group commit for seed 000's release and deduct (issue #4): one call ends a batch of reservations
-- in arrival order, one transaction per batch.
--
-- p_requests: [{"id": uuid, "move": "release" | "deduct", "actor", "correlation_id"}]. Returns one
-- row per request, in order: whether it moved, its status after (or as found, when refused; NULL
-- when it does not exist), the reservation's columns, and its lines as JSON.
--
-- The stock effect of each move is the one in src/domain/reservation-effects.ts (the books check
-- in every test compares the two): release of a pending reservation returns its held and
-- backordered units; release of a confirmed one returns its committed units; deduct ships a
-- pending, unexpired one (held and backordered units leave on hand). Reservation rows are locked
-- one by one as the batch reaches them; stock rows at the end, all at once, in key order.
CREATE FUNCTION inventory_end_batch(p_requests jsonb)
RETURNS TABLE (
  request_index integer,
  ok boolean,
  status text,
  order_id text,
  created_at timestamptz,
  updated_at timestamptz,
  expires_at timestamptz,
  ended_at timestamptz,
  committed_at timestamptz,
  fulfilled_at timestamptz,
  allocation_strategy text,
  destination_postal_code text,
  lines jsonb
)
LANGUAGE plpgsql AS $$
-- The result columns share names with table columns; inside the body a bare name is the column.
#variable_conflict use_column
DECLARE
  v_request jsonb;
  v_index integer := 0;
  v_reservation reservations%ROWTYPE;
  v_step text;
  v_ok boolean[] := '{}';
  v_status text[] := '{}';
  v_steps text[] := '{}';
  v_ids uuid[] := '{}';
  v_actor text[] := '{}';
  v_correlation text[] := '{}';
  e_reservation uuid[];
  e_item uuid[];
  e_warehouse text[];
  e_kind text[];
  e_order text[];
  e_actor text[];
  e_correlation text[];
  e_on_hand bigint[];
  e_reserved bigint[];
  e_committed bigint[];
  e_backordered bigint[];
BEGIN
  FOR v_request IN SELECT value FROM jsonb_array_elements(p_requests) LOOP
    SELECT * INTO v_reservation FROM reservations WHERE id = (v_request->>'id')::uuid FOR UPDATE;
    v_step := NULL;
    IF FOUND THEN
      IF v_request->>'move' = 'release' AND v_reservation.status IN ('PENDING', 'COMMITTED') THEN
        v_step := CASE v_reservation.status WHEN 'PENDING' THEN 'release-pending' ELSE 'release-committed' END;
        UPDATE reservations SET status = 'RELEASED', updated_at = now(),
          ended_at = coalesce(ended_at, now())
        WHERE id = v_reservation.id;
      ELSIF v_request->>'move' = 'deduct' AND v_reservation.status = 'PENDING'
          AND v_reservation.expires_at > now() THEN
        v_step := 'deduct';
        UPDATE reservations SET status = 'FULFILLED', updated_at = now(), ended_at = now(),
          committed_at = now(), fulfilled_at = now()
        WHERE id = v_reservation.id;
        UPDATE reservation_lines SET committed_quantity = quantity,
          committed_backordered = backordered
        WHERE reservation_id = v_reservation.id;
      END IF;
    END IF;
    v_ok := v_ok || (v_step IS NOT NULL);
    v_status := v_status || CASE
      WHEN NOT FOUND THEN NULL
      WHEN v_step IS NULL THEN v_reservation.status
      WHEN v_step = 'deduct' THEN 'FULFILLED'
      ELSE 'RELEASED' END;
    v_steps := v_steps || v_step;
    v_ids := v_ids || (v_request->>'id')::uuid;
    v_actor := v_actor || (v_request->>'actor');
    v_correlation := v_correlation || (v_request->>'correlation_id');
    v_index := v_index + 1;
  END LOOP;

  -- The stock and ledger effects of every move that happened, one row per reservation line.
  SELECT array_agg(l.reservation_id), array_agg(l.item_id), array_agg(l.warehouse_id),
    array_agg(CASE m.step WHEN 'deduct' THEN 'DEDUCT' ELSE 'RELEASE' END),
    array_agg(r.order_id), array_agg(m.actor), array_agg(m.correlation_id),
    array_agg(CASE m.step WHEN 'deduct' THEN -l.quantity ELSE 0 END),
    array_agg(CASE WHEN m.step IN ('deduct', 'release-pending')
      THEN -(l.quantity - l.backordered) ELSE 0 END),
    array_agg(CASE m.step WHEN 'release-committed'
      THEN -(l.committed_quantity - l.committed_backordered) ELSE 0 END),
    array_agg(CASE m.step WHEN 'release-committed' THEN -l.committed_backordered
      ELSE -l.backordered END)
  INTO e_reservation, e_item, e_warehouse, e_kind, e_order, e_actor, e_correlation, e_on_hand,
    e_reserved, e_committed, e_backordered
  FROM unnest(v_ids, v_steps, v_actor, v_correlation) AS m(id, step, actor, correlation_id)
  JOIN reservation_lines l ON l.reservation_id = m.id
  JOIN reservations r ON r.id = m.id
  WHERE m.step IS NOT NULL;

  IF e_item IS NOT NULL THEN
    -- Stock rows in key order, as every other writer takes them.
    PERFORM 1 FROM stock_levels s
    JOIN (SELECT DISTINCT * FROM unnest(e_item, e_warehouse) AS k(item_id, warehouse_id)) k
      ON k.item_id = s.item_id AND k.warehouse_id = s.warehouse_id
    ORDER BY s.item_id, s.warehouse_id
    FOR UPDATE OF s;

    UPDATE stock_levels s
    SET on_hand = s.on_hand + t.on_hand, reserved = s.reserved + t.reserved,
      committed = s.committed + t.committed, backordered = s.backordered + t.backordered,
      updated_at = now()
    FROM (
      SELECT item_id, warehouse_id, sum(on_hand) AS on_hand, sum(reserved) AS reserved,
        sum(committed) AS committed, sum(backordered) AS backordered
      FROM unnest(e_item, e_warehouse, e_on_hand, e_reserved, e_committed, e_backordered)
        AS e(item_id, warehouse_id, on_hand, reserved, committed, backordered)
      GROUP BY item_id, warehouse_id
    ) t
    WHERE s.item_id = t.item_id AND s.warehouse_id = t.warehouse_id;

    INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, reserved_delta,
      committed_delta, backordered_delta, reason, reference_type, reference_id, reservation_id,
      actor, correlation_id)
    SELECT e.item_id, e.warehouse_id, e.kind, e.on_hand, e.reserved, e.committed, e.backordered,
      lower(e.kind), 'order', e.order_id, e.reservation_id, e.actor, e.correlation_id
    FROM unnest(e_item, e_warehouse, e_kind, e_on_hand, e_reserved, e_committed, e_backordered,
      e_order, e_reservation, e_actor, e_correlation)
      AS e(item_id, warehouse_id, kind, on_hand, reserved, committed, backordered, order_id,
        reservation_id, actor, correlation_id);
  END IF;

  RETURN QUERY
  SELECT (m.ordinality - 1)::integer, m.ok, m.status, r.order_id, r.created_at, r.updated_at,
    r.expires_at, r.ended_at, r.committed_at, r.fulfilled_at, r.allocation_strategy,
    r.destination_postal_code,
    (SELECT jsonb_agg(jsonb_build_object(
        'line_no', l.line_no, 'item_id', l.item_id, 'warehouse_id', l.warehouse_id,
        'quantity', l.quantity, 'backordered', l.backordered,
        'committed_quantity', l.committed_quantity,
        'committed_backordered', l.committed_backordered, 'request_line', l.request_line,
        'request_quantity', coalesce(l.request_quantity, l.quantity),
        'kit_item_id', l.kit_item_id, 'allocation_reason', l.allocation_reason,
        'product_id', i.product_id, 'variant_id', i.variant_id, 'sku', i.sku,
        'kit_product_id', k.product_id) ORDER BY l.line_no)
     FROM reservation_lines l JOIN items i ON i.id = l.item_id
     LEFT JOIN items k ON k.id = l.kit_item_id
     WHERE l.reservation_id = r.id)
  FROM unnest(v_ok, v_status, v_ids) WITH ORDINALITY AS m(ok, status, id, ordinality)
  LEFT JOIN reservations r ON r.id = m.id
  ORDER BY m.ordinality;
END;
$$;
