-- Reservation lines name a reservation that exists, checked once per statement (as 0006 does for
-- their stock level) instead of once per row.
--
-- The foreign key ran one lookup with a FOR KEY SHARE lock on the reservation per inserted line:
-- 32 of them in a batch of 32 single-line reservations, 160 in a batch of 32 five-line carts,
-- each through its own executor start-up. The reservations are inserted by the same statement
-- batch a moment before, and nothing deletes them (refused below), so the lock protects against
-- nothing and one anti-join over the statement's new lines does the same job. The stock-level
-- check of 0006 joins the same pass, so a line insert now runs one trigger instead of 1 + N.
--
-- What the foreign key guaranteed still holds: a line naming a reservation that does not exist is
-- refused with foreign_key_violation (23503); a reservation is never deleted or truncated and never
-- changes its id; a line never moves to another reservation.
ALTER TABLE reservation_lines DROP CONSTRAINT IF EXISTS reservation_lines_reservation_id_fkey;

-- Two anti-joins, not one query with both NOT EXISTS under an OR: the planner turns that OR into
-- hashed subplans, hashing every reservation in the table at each statement.
CREATE FUNCTION reservation_line_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_reservation uuid;
  v_item uuid;
  v_warehouse text;
BEGIN
  SELECT n.reservation_id INTO v_reservation
  FROM new_rows n
  WHERE NOT EXISTS (SELECT FROM reservations r WHERE r.id = n.reservation_id)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'reservation_lines row names reservation %, which does not exist', v_reservation
      USING ERRCODE = 'foreign_key_violation', TABLE = 'reservation_lines';
  END IF;
  SELECT n.item_id, n.warehouse_id INTO v_item, v_warehouse
  FROM new_rows n
  WHERE NOT EXISTS (
    SELECT FROM stock_levels s WHERE s.item_id = n.item_id AND s.warehouse_id = n.warehouse_id)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'reservation_lines row names stock level (%, %), which does not exist', v_item,
        v_warehouse
      USING ERRCODE = 'foreign_key_violation', TABLE = 'reservation_lines';
  END IF;
  RETURN NULL;
END;
$$;

DROP TRIGGER reservation_lines_stock_level_exists ON reservation_lines;

CREATE TRIGGER reservation_lines_references_exist
  AFTER INSERT ON reservation_lines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reservation_line_references_check();

CREATE FUNCTION reservation_lines_keep_reservation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a reservation line keeps its reservation (UPDATE of reservation_id refused)'
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- WHEN is evaluated without calling the function: updates that keep the reservation cost nothing.
CREATE TRIGGER reservation_lines_reservation_fixed
  BEFORE UPDATE ON reservation_lines FOR EACH ROW
  WHEN (OLD.reservation_id IS DISTINCT FROM NEW.reservation_id)
  EXECUTE FUNCTION reservation_lines_keep_reservation();

CREATE FUNCTION reservations_never_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'reservations are never removed (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER reservations_no_delete
  BEFORE DELETE ON reservations FOR EACH ROW EXECUTE FUNCTION reservations_never_removed();

CREATE TRIGGER reservations_no_truncate
  BEFORE TRUNCATE ON reservations FOR EACH STATEMENT EXECUTE FUNCTION reservations_never_removed();

CREATE FUNCTION reservations_keep_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a reservation keeps its id (UPDATE of id refused)'
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER reservations_id_fixed
  BEFORE UPDATE ON reservations FOR EACH ROW
  WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION reservations_keep_id();
