-- Group commit for moving reservations on (seed 000's release and deduct, and now a whole
-- confirm) takes its batch as typed arrays and applies it set by set, as 0011 does for new
-- reservations. inventory_end_batch(jsonb) stays, as a wrapper that unpacks its document and calls
-- the new function; it takes the new move too.
--
-- 0004's body ran three statements for every request (lock and read the reservation, update it,
-- update a deducted reservation's lines), each started and ended by the executor, grew its
-- per-request arrays one element at a time, and built every result's lines as jsonb
-- whether the request moved or not. Here the batch runs one statement per kind of work whatever
-- its size: lock every reservation it names, decide the requests in memory in arrival order,
-- update the moved reservations, update the deducted or committed ones' lines, then the stock
-- levels and the ledger as before, and it builds lines only for the requests that moved, as json
-- (text, with no binary form to build and print again). What it saves is in
-- bench/batch-instructions.ts's `release` and `deduct` modes; docs/PERFORMANCE.md has the counts.
--
-- A confirm that keeps every unit joins the same batches (the 'commit' move). It ran in a
-- transaction of its own: five statements, then a commit, holding the stock row's lock until that
-- commit's WAL flush, so a flash sale's confirms on one SKU went through one flush at a time. The
-- bench's hot-checkout scenario (seed 002's reserve, then confirm, on one SKU) measures it.
--
-- Reservations are locked in key order, as the stock levels already were: two batches naming the
-- same reservations in different orders wait for each other instead of deadlocking (0004 locked
-- them in arrival order and relied on the retry). Every other writer of a reservation locks it
-- before any stock level, so the order reservations-then-stock holds everywhere.
--
-- Arguments: one element per request, in arrival order: the reservation id, the move ('release',
-- 'deduct' or 'commit'; anything else, or arrays of unequal length, is refused with
-- invalid_parameter_value), the actor and the correlation id of the ledger rows it writes.
--
-- The moves, with the stock effects of src/domain/reservation-effects.ts:
-- - release: a pending reservation (expired or not) returns its held and backordered units; a
--   confirmed one returns its committed units;
-- - deduct (seed 000): a pending, unexpired reservation ships: its held units leave reserved and
--   every unit leaves on hand;
-- - commit (confirm without quantities): a pending, unexpired reservation keeps all its units,
--   held ones move from reserved to committed. A confirm that keeps fewer units of some lines
--   (partial commit) reads the lines first and runs in its own transaction.
-- Each request is decided against what the requests before it in the batch did: a reservation
-- released or deducted is ended for the rest of the batch, and a cancel after a confirm releases
-- what the confirm committed (a COMMIT and a RELEASE row in the ledger, as two transactions would
-- have written).
--
-- The result is 0004's (one row per request, in order) but for `lines`, which is json, and NULL
-- for a request that did not move: the caller reads lines only from moved requests.
CREATE FUNCTION inventory_end_batch_arrays(
  p_id uuid[],
  p_move text[],
  p_actor text[],
  p_correlation_id text[]
)
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
  lines json
)
LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET plan_cache_mode = force_generic_plan SET jit = off SET inventory.references_checked = 'on'
AS $$
-- The result columns share names with table columns; inside the body a bare name is the column.
#variable_conflict use_column
DECLARE
  v_requests integer := coalesce(cardinality(p_id), 0);
  -- The distinct reservations the batch names that exist, in key order: the row address, the
  -- status and expiry as locked (the status moves as the requests are decided), the order, the
  -- last step that moved it, and whether it was committed (confirmed or deducted) in the batch.
  k_id uuid[];
  k_row tid[];
  k_status text[];
  k_expires timestamptz[];
  k_order text[];
  k_step text[];
  k_committed boolean[];
  -- The moves made, in arrival order: the reservation's position in k_, the step, and the actor
  -- and correlation id of the request. One per reservation but for a confirm followed by a
  -- cancel in the same batch, which makes two (commit, then release-committed).
  m_key integer[] := '{}';
  m_step text[] := '{}';
  m_actor text[] := '{}';
  m_correlation text[] := '{}';
  -- Per request (1-based): whether it moved, and the status after (or as found; NULL when the
  -- reservation does not exist).
  r_ok boolean[] := array_fill(false, ARRAY[v_requests]);
  r_status text[] := array_fill(NULL::text, ARRAY[v_requests]);
  v_key integer;
  v_now timestamptz := now();
  -- The stock and ledger effects, one element per line of a moved reservation.
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
  -- The distinct stock levels the effects touch, in key order, with their summed changes.
  s_row tid[];
  s_on_hand bigint[];
  s_reserved bigint[];
  s_committed bigint[];
  s_backordered bigint[];
BEGIN
  IF coalesce(cardinality(p_move), 0) <> v_requests
      OR coalesce(cardinality(p_actor), 0) <> v_requests
      OR coalesce(cardinality(p_correlation_id), 0) <> v_requests THEN
    RAISE EXCEPTION 'inventory_end_batch_arrays: the request arrays differ in length'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(p_move) AS m(move)
             WHERE m.move IS NULL OR m.move NOT IN ('release', 'deduct', 'commit')) THEN
    RAISE EXCEPTION 'inventory_end_batch_arrays: a move is not release, deduct or commit'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- One index scan over the named ids, in key order (the scan sorts and deduplicates the array),
  -- locking each row as it goes.
  SELECT array_agg(r.id ORDER BY r.id), array_agg(r.row_address ORDER BY r.id),
    array_agg(r.status ORDER BY r.id), array_agg(r.expires_at ORDER BY r.id),
    array_agg(r.order_id ORDER BY r.id)
  INTO k_id, k_row, k_status, k_expires, k_order
  FROM (
    SELECT r.id, r.ctid AS row_address, r.status, r.expires_at, r.order_id
    FROM reservations r
    WHERE r.id = ANY (p_id)
    ORDER BY r.id
    FOR UPDATE OF r
  ) r;
  k_step := array_fill(NULL::text, ARRAY[coalesce(cardinality(k_id), 0)]);
  k_committed := array_fill(false, ARRAY[coalesce(cardinality(k_id), 0)]);

  -- Decide each request in arrival order against what earlier ones did: of a release and a
  -- deduct of one reservation, the first wins and the second finds it ended; a cancel after a
  -- confirm releases what the confirm committed.
  FOR v_request IN 1 .. v_requests LOOP
    v_key := array_position(k_id, p_id[v_request]);
    CONTINUE WHEN v_key IS NULL;
    IF p_move[v_request] = 'release' AND k_status[v_key] IN ('PENDING', 'COMMITTED') THEN
      k_step[v_key] := CASE k_status[v_key] WHEN 'PENDING' THEN 'release-pending'
                       ELSE 'release-committed' END;
      k_status[v_key] := 'RELEASED';
    ELSIF p_move[v_request] = 'deduct' AND k_status[v_key] = 'PENDING'
        AND k_expires[v_key] > v_now THEN
      k_step[v_key] := 'deduct';
      k_status[v_key] := 'FULFILLED';
      k_committed[v_key] := true;
    ELSIF p_move[v_request] = 'commit' AND k_status[v_key] = 'PENDING'
        AND k_expires[v_key] > v_now THEN
      k_step[v_key] := 'commit';
      k_status[v_key] := 'COMMITTED';
      k_committed[v_key] := true;
    ELSE
      r_status[v_request] := k_status[v_key];
      CONTINUE;
    END IF;
    m_key := m_key || v_key;
    m_step := m_step || k_step[v_key];
    m_actor := m_actor || p_actor[v_request];
    m_correlation := m_correlation || p_correlation_id[v_request];
    r_ok[v_request] := true;
    r_status[v_request] := k_status[v_key];
  END LOOP;

  IF cardinality(m_key) > 0 THEN
    -- By the row address the lock returned: the batch holds these rows locked until it commits.
    UPDATE reservations r
    SET status = k.status, updated_at = v_now,
      ended_at = coalesce(r.ended_at, v_now),
      committed_at = CASE WHEN k.committed THEN v_now ELSE r.committed_at END,
      fulfilled_at = CASE k.step WHEN 'deduct' THEN v_now ELSE r.fulfilled_at END
    FROM unnest(k_row, k_step, k_status, k_committed) AS k(row_address, step, status, committed)
    WHERE k.step IS NOT NULL AND r.ctid = k.row_address;

    -- Before the effects below: a release-committed after a commit in this batch returns what the
    -- commit kept.
    UPDATE reservation_lines l
    SET committed_quantity = l.quantity, committed_backordered = l.backordered
    FROM unnest(k_id, k_committed) AS k(id, committed)
    WHERE k.committed AND l.reservation_id = k.id;

    -- The stock and ledger effects of every move, one row per move and reservation line: the
    -- ones of src/domain/reservation-effects.ts, as in 0004.
    SELECT array_agg(l.reservation_id), array_agg(l.item_id), array_agg(l.warehouse_id),
      array_agg(CASE m.step WHEN 'deduct' THEN 'DEDUCT' WHEN 'commit' THEN 'COMMIT'
        ELSE 'RELEASE' END),
      array_agg(k_order[m.key]), array_agg(m.actor), array_agg(m.correlation_id),
      array_agg(CASE m.step WHEN 'deduct' THEN -l.quantity ELSE 0 END),
      array_agg(CASE WHEN m.step IN ('deduct', 'release-pending', 'commit')
        THEN -(l.quantity - l.backordered) ELSE 0 END),
      array_agg(CASE m.step WHEN 'release-committed'
          THEN -(l.committed_quantity - l.committed_backordered)
        WHEN 'commit' THEN l.quantity - l.backordered ELSE 0 END),
      array_agg(CASE m.step WHEN 'release-committed' THEN -l.committed_backordered
        WHEN 'commit' THEN 0 ELSE -l.backordered END)
    INTO e_reservation, e_item, e_warehouse, e_kind, e_order, e_actor, e_correlation, e_on_hand,
      e_reserved, e_committed, e_backordered
    FROM unnest(m_key, m_step, m_actor, m_correlation) AS m(key, step, actor, correlation_id)
    JOIN reservation_lines l ON l.reservation_id = k_id[m.key];
  END IF;

  IF e_item IS NOT NULL THEN
    -- Lock the stock levels in key order, as every other writer takes them, one index lookup
    -- each (the nested loop walks the summed changes in order), keeping each row's address.
    SELECT array_agg(s.row_address ORDER BY t.item_id, t.warehouse_id),
      array_agg(t.on_hand ORDER BY t.item_id, t.warehouse_id),
      array_agg(t.reserved ORDER BY t.item_id, t.warehouse_id),
      array_agg(t.committed ORDER BY t.item_id, t.warehouse_id),
      array_agg(t.backordered ORDER BY t.item_id, t.warehouse_id)
    INTO s_row, s_on_hand, s_reserved, s_committed, s_backordered
    FROM (
      SELECT e.item_id, e.warehouse_id, sum(e.on_hand)::bigint AS on_hand,
        sum(e.reserved)::bigint AS reserved, sum(e.committed)::bigint AS committed,
        sum(e.backordered)::bigint AS backordered
      FROM unnest(e_item, e_warehouse, e_on_hand, e_reserved, e_committed, e_backordered)
        AS e(item_id, warehouse_id, on_hand, reserved, committed, backordered)
      GROUP BY e.item_id, e.warehouse_id
      ORDER BY e.item_id, e.warehouse_id
    ) t
    CROSS JOIN LATERAL (
      SELECT s.ctid AS row_address
      FROM stock_levels s
      WHERE s.item_id = t.item_id AND s.warehouse_id = t.warehouse_id
      FOR UPDATE OF s
    ) s;

    UPDATE stock_levels s
    SET on_hand = s.on_hand + t.on_hand, reserved = s.reserved + t.reserved,
      committed = s.committed + t.committed, backordered = s.backordered + t.backordered,
      updated_at = v_now
    FROM unnest(s_row, s_on_hand, s_reserved, s_committed, s_backordered)
      AS t(row_address, on_hand, reserved, committed, backordered)
    WHERE s.ctid = t.row_address;

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
  SELECT (m.i - 1)::integer, r_ok[m.i], r_status[m.i], r.order_id, r.created_at, r.updated_at,
    r.expires_at, r.ended_at, r.committed_at, r.fulfilled_at, r.allocation_strategy,
    r.destination_postal_code,
    CASE WHEN r_ok[m.i] THEN (
      SELECT json_agg(json_build_object(
          'line_no', l.line_no, 'item_id', l.item_id, 'warehouse_id', l.warehouse_id,
          'quantity', l.quantity, 'backordered', l.backordered,
          'committed_quantity', l.committed_quantity,
          'committed_backordered', l.committed_backordered, 'request_line', l.request_line,
          'request_quantity', coalesce(l.request_quantity, l.quantity),
          'kit_item_id', l.kit_item_id, 'allocation_reason', l.allocation_reason,
          'product_id', i.product_id, 'variant_id', i.variant_id, 'sku', i.sku,
          'kit_product_id', kit.product_id) ORDER BY l.line_no)
      FROM reservation_lines l JOIN items i ON i.id = l.item_id
      LEFT JOIN items kit ON kit.id = l.kit_item_id
      WHERE l.reservation_id = r.id) END
  FROM unnest(p_id) WITH ORDINALITY AS m(id, i)
  LEFT JOIN reservations r ON r.id = m.id
  ORDER BY m.i;
END;
$$;

-- The document form of 0004, unpacked into the arrays above. Its result keeps 0004's types
-- (lines as jsonb). The settings of 0005, 0009 and 0010 go with the old body (the new function
-- carries its own); JIT stays off for the unpacking statement too (0010).
CREATE OR REPLACE FUNCTION inventory_end_batch(p_requests jsonb)
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
LANGUAGE sql
SET jit = off
AS $$
  SELECT b.request_index, b.ok, b.status, b.order_id, b.created_at, b.updated_at, b.expires_at,
    b.ended_at, b.committed_at, b.fulfilled_at, b.allocation_strategy, b.destination_postal_code,
    b.lines::jsonb
  FROM (
    SELECT array_agg((r.value->>'id')::uuid ORDER BY r.ordinality) AS id,
      array_agg(r.value->>'move' ORDER BY r.ordinality) AS move,
      array_agg(r.value->>'actor' ORDER BY r.ordinality) AS actor,
      array_agg(r.value->>'correlation_id' ORDER BY r.ordinality) AS correlation_id
    FROM jsonb_array_elements(p_requests) WITH ORDINALITY r
  ) req,
  inventory_end_batch_arrays(req.id, req.move, req.actor, req.correlation_id) b
  ORDER BY b.request_index
$$;
