-- A reservation with an Idempotency-Key that its plan refuses before any batch saw the key (a
-- sold-out product on seed 002's planned path, say) is not refused until the key was asked: the
-- request may be the retry of the one that took the last units, whose answer it must replay. It
-- was asked in a transaction of the request's own, which claimed the key, planned the cart again
-- and rolled back: at the end of a flash sale, every keyed request paid for one.
--
-- inventory_check_keys asks for many keys in one statement, for the service's coalesced key
-- checks (src/app/key-checker.ts). It claims each key once, in key order, as the batches and lone
-- transactions claim theirs, so it waits for a transaction that holds one: for its commit (the
-- key then holds that request's answer) or its rollback. Then it reads each key in a new
-- statement, whose snapshot sees the answers committed while a claim waited, and rolls its own
-- claims back, so it leaves no row behind. One row per key, in the order given: the stored
-- request hash and answer, or NULLs for a key that holds none.
--
-- A committed key always holds its answer (the claim and the answer commit together), so a row
-- without one is this statement's own claim.
CREATE FUNCTION inventory_check_keys(p_scope text, p_key text[])
RETURNS TABLE (key_index integer, request_hash text, response_body jsonb)
LANGUAGE plpgsql
SET enable_seqscan = off SET plan_cache_mode = force_generic_plan SET jit = off
AS $$
DECLARE
  r_hash text[];
  r_body jsonb[];
BEGIN
  IF p_scope IS NULL OR p_key IS NULL OR array_position(p_key, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'inventory_check_keys: a scope and a key for every position are required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  BEGIN
    INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
    SELECT DISTINCT ON (k.key) p_scope, k.key, '', now()
    FROM unnest(p_key) AS k(key)
    ORDER BY k.key
    ON CONFLICT (scope, key) DO NOTHING;

    -- One index lookup per key; the limit keeps the planner from flattening the lookups into a
    -- join over the table (as in 0014).
    SELECT array_agg(s.request_hash ORDER BY k.i), array_agg(s.response_body ORDER BY k.i)
    INTO r_hash, r_body
    FROM unnest(p_key) WITH ORDINALITY AS k(key, i)
    LEFT JOIN LATERAL (
      SELECT s.request_hash, s.response_body
      FROM idempotency_keys s
      WHERE s.scope = p_scope AND s.key = k.key AND s.response_body IS NOT NULL
      LIMIT 1
    ) s ON true;

    -- Roll the claims back (to the block's implicit savepoint); the variables keep their values.
    RAISE EXCEPTION USING ERRCODE = 'IK000';
  EXCEPTION WHEN SQLSTATE 'IK000' THEN
    NULL;
  END;

  RETURN QUERY
  SELECT k.i::integer, r_hash[k.i], r_body[k.i]
  FROM generate_subscripts(p_key, 1) AS k(i)
  ORDER BY k.i;
END;
$$;
