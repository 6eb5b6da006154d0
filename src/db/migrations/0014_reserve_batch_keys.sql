-- Reservations that carry an Idempotency-Key (seed 003) join group commit. They ran in a
-- transaction each, which claimed the key, planned, wrote the reservation and took the stock row,
-- and held that row's lock until the commit's WAL flush: on one SKU they went through one flush at
-- a time. Bench scenario hot-reserve-idempotent (a new key on every request, one SKU) ran 295-357/s
-- that way and 2,550-3,189/s through this function, in three alternating rounds
-- (docs/PERFORMANCE.md, ninth sitting).
--
-- inventory_reserve_batch_keyed is 0011's batch with five more arguments: the key scope, per
-- request its key (NULL for none), the hash of the request and how long the key is kept, and a JSON
-- array of the answers to store, one element per request (the outcome without its three
-- timestamps, which the batch adds; null for a request without a key). One document for the batch
-- is parsed once; as elements of a text array each answer was escaped by the caller and parsed by
-- the batch on its own. With p_key NULL (no request of the batch has a key) it is 0011's batch. Otherwise:
-- - Before any stock level, it claims each key once, for its first request in arrival order, in
--   key order, as a transaction of its own claims its single key before its stock rows: keys then
--   stock levels everywhere, and keys in one order, so two batches cannot deadlock on them. A key
--   held by a transaction still open waits for its end, as a lone claim does.
-- - Then it reads each request's key, one index lookup each. The row this transaction inserted
--   (its xmin) is the claim of the key's first request. A request whose key it did not claim is
--   not applied: when the key is stored with an answer (committed by an earlier request), the
--   result is REPLAY with the stored hash and answer, and the caller compares the hash (same
--   request: replay; another: refused); when it is not (another request of this batch claimed it,
--   or it was purged meanwhile), KEY_BUSY, and the caller sends the request again, to a later
--   batch.
-- - After the stock is decided, an accepted request's key gets its answer and a refused request's
--   claim is deleted, both by the row address the lookup returned: a refusal leaves the key free,
--   as a rolled-back transaction did.
--
-- inventory_reserve_batch_arrays (0011) becomes a wrapper that calls this function without keys,
-- so the decision is written once; the jsonb wrapper calls it as before.
--
-- Timestamps in the stored answer are written as JSON.stringify writes a Date (UTC, milliseconds,
-- truncated as the pg driver truncates microseconds), so a replay answers the same text as the
-- original response.
CREATE FUNCTION inventory_reserve_batch_keyed(
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
  p_line_reason text[],
  p_key_scope text,
  p_key text[],
  p_key_hash text[],
  p_key_retention_ms bigint[],
  p_key_answers jsonb
)
RETURNS TABLE (
  request_index integer,
  ok boolean,
  failed_item_id uuid,
  failed_warehouse_id text,
  failed_available bigint,
  failed_code text,
  created_at timestamptz,
  expires_at timestamptz,
  replay_hash text,
  replay_answer jsonb
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
  -- Per request: not applied because its key was not claimed, and the stored hash and answer
  -- when the key holds one (all NULL when the batch has no keys: nothing is skipped or replayed).
  r_skip boolean[];
  r_replay_hash text[];
  r_replay_answer jsonb[];
  -- Per request: the address of the key row this batch inserted for it (its claim).
  r_claim tid[];
  v_keyed boolean := p_key IS NOT NULL;
  -- When the batch applies its reservations, as JSON.stringify writes a Date.
  v_now_json text;
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
    RAISE EXCEPTION 'inventory_reserve_batch_keyed: the request arrays differ in length'
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
    RAISE EXCEPTION 'inventory_reserve_batch_keyed: the line arrays differ in length'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_keyed AND (p_key_scope IS NULL
      OR cardinality(p_key) <> v_requests
      OR coalesce(cardinality(p_key_hash), 0) <> v_requests
      OR coalesce(cardinality(p_key_retention_ms), 0) <> v_requests
      OR jsonb_typeof(p_key_answers) IS DISTINCT FROM 'array'
      OR jsonb_array_length(p_key_answers) <> v_requests) THEN
    RAISE EXCEPTION 'inventory_reserve_batch_keyed: the key arrays differ in length from the '
        'requests, or have no scope'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- A key without an answer would be stored without one, and replay nothing ever after.
  IF v_keyed AND EXISTS (
      SELECT 1 FROM unnest(p_key) WITH ORDINALITY AS k(key, i)
      WHERE k.key IS NOT NULL
        AND jsonb_typeof(p_key_answers -> (k.i - 1)::integer) IS DISTINCT FROM 'object') THEN
    RAISE EXCEPTION 'inventory_reserve_batch_keyed: a request with a key has no answer (an '
        'object) to store'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  IF v_keyed THEN
    -- Claim each key for its first request, in key order (the Sort feeds the insert in order),
    -- before any stock level is locked. A key another transaction holds waits for its end: then
    -- DO NOTHING if it committed the key, or the insert if it rolled back.
    INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
    SELECT DISTINCT ON (k.key) p_key_scope, k.key, k.hash,
      now() + k.retention_ms * interval '1 millisecond'
    FROM unnest(p_key, p_key_hash, p_key_retention_ms) WITH ORDINALITY
      AS k(key, hash, retention_ms, i)
    WHERE k.key IS NOT NULL
    ORDER BY k.key, k.i
    ON CONFLICT (scope, key) DO NOTHING;

    -- Then each request's key, one index lookup each. (A join was planned once per session,
    -- while the table was small (force_generic_plan), as a scan of every key: PostgreSQL spent
    -- 1.7 ms of CPU per keyed reservation in the bench once the table had grown;
    -- docs/PERFORMANCE.md.) A new statement, so a new snapshot: it sees the keys whose holders
    -- committed while the claim waited. The row this transaction inserted (xmin) is the claim of
    -- the key's first request; a later request with that key is busy.
    SELECT array_agg(k.key IS NOT NULL AND NOT coalesce(s.ours AND k.nth = 1, false) ORDER BY k.i),
      array_agg(CASE WHEN s.ours AND k.nth = 1 THEN s.row_address END ORDER BY k.i),
      -- A key row without an answer is never committed: the claim and the answer commit together.
      array_agg(CASE WHEN NOT s.ours AND s.response_body IS NOT NULL THEN s.request_hash END
        ORDER BY k.i),
      array_agg(CASE WHEN NOT s.ours THEN s.response_body END ORDER BY k.i)
    INTO r_skip, r_claim, r_replay_hash, r_replay_answer
    FROM (
      SELECT u.key, u.i, row_number() OVER (PARTITION BY u.key ORDER BY u.i) AS nth
      FROM unnest(p_key) WITH ORDINALITY AS u(key, i)
    ) k
    LEFT JOIN LATERAL (
      SELECT s.ctid AS row_address, s.xmin = pg_current_xact_id()::xid AS ours, s.request_hash,
        s.response_body
      FROM idempotency_keys s
      WHERE k.key IS NOT NULL AND s.scope = p_key_scope AND s.key = k.key
      -- The limit keeps the planner from flattening the lookup into a join over the table.
      LIMIT 1
    ) s ON true;
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
    IF v_keyed AND r_skip[v_request] THEN
      WHILE v_pos <= v_lines AND p_line_request[v_pos] = v_request LOOP
        v_pos := v_pos + 1;
      END LOOP;
      r_code[v_request] :=
        CASE WHEN r_replay_hash[v_request] IS NULL THEN 'KEY_BUSY' ELSE 'REPLAY' END;
      CONTINUE;
    END IF;
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
    RAISE EXCEPTION 'inventory_reserve_batch_keyed: line % is not grouped in request order '
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

  IF v_keyed THEN
    -- The claimed keys, by the row address the lookup returned (the rows are this transaction's,
    -- so nobody else can move them): an accepted request's stores its answer, a refused request's
    -- is given back.
    v_now_json := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    UPDATE idempotency_keys s
    SET response_body = jsonb_set(k.answer, '{reservation}',
      (k.answer -> 'reservation') || jsonb_build_object('createdAt', v_now_json,
        'updatedAt', v_now_json,
        'expiresAt', to_char((now() + k.ttl_ms * interval '1 millisecond') AT TIME ZONE 'UTC',
          'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
    FROM (
      SELECT u.row_address, u.ttl_ms, p_key_answers -> (u.i - 1)::integer AS answer
      FROM unnest(r_claim, p_ttl_ms, r_ok) WITH ORDINALITY AS u(row_address, ttl_ms, ok, i)
      WHERE u.ok
    ) k
    WHERE s.ctid = k.row_address;

    DELETE FROM idempotency_keys s
    USING unnest(r_claim, r_ok) AS k(row_address, ok)
    WHERE NOT k.ok AND s.ctid = k.row_address;
  END IF;

  RETURN QUERY
  SELECT (r.i - 1)::integer, r_ok[r.i], r_item[r.i], r_warehouse[r.i], r_available[r.i],
    r_code[r.i], now(), now() + r.ttl_ms * interval '1 millisecond', r_replay_hash[r.i],
    r_replay_answer[r.i]
  FROM unnest(p_ttl_ms) WITH ORDINALITY AS r(ttl_ms, i)
  ORDER BY r.i;
END;
$$;

-- 0011's function, now without a body of its own: the batch without keys.
CREATE OR REPLACE FUNCTION inventory_reserve_batch_arrays(
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
LANGUAGE sql
SET jit = off
AS $$
  SELECT b.request_index, b.ok, b.failed_item_id, b.failed_warehouse_id, b.failed_available,
    b.failed_code, b.created_at, b.expires_at
  FROM inventory_reserve_batch_keyed(p_id, p_order_id, p_ttl_ms, p_actor, p_correlation_id,
    p_strategy, p_postal_code, p_line_request, p_line_no, p_line_item, p_line_warehouse,
    p_line_quantity, p_line_request_line, p_line_request_quantity, p_line_kit_item, p_line_reason,
    NULL, NULL, NULL, NULL, NULL) b
  ORDER BY b.request_index
$$;
