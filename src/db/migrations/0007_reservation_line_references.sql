-- Reservation lines name a reservation that exists, checked once per statement (as 0006 does for
-- their stock level) instead of once per row.
--
-- The foreign key ran one lookup with a FOR KEY SHARE lock on the reservation per inserted line:
-- 32 of them in a batch of 32 single-line reservations, 160 in a batch of 32 five-line carts,
-- each through its own executor start-up. The reservations are inserted by the same statement
-- batch a moment before, and nothing deletes them (refused below), so the lock protects against
-- nothing and one anti-join over the statement's new lines does the same job, next to the
-- stock-level check of 0006: a line insert runs two statement triggers instead of 1 + N.
-- (Both checks in one query, NOT EXISTS ... OR NOT EXISTS ..., was planned as a hashed subplan
-- over every reservation; two anti-joins stay index lookups.)
--
-- What the foreign key guaranteed still holds: a line naming a reservation that does not exist is
-- refused with foreign_key_violation (23503); a reservation is never deleted or truncated and never
-- changes its id; a line never moves to another reservation.
ALTER TABLE reservation_lines DROP CONSTRAINT IF EXISTS reservation_lines_reservation_id_fkey;

CREATE FUNCTION reservation_reference_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_reservation uuid;
BEGIN
  SELECT n.reservation_id INTO v_reservation
  FROM new_rows n
  WHERE NOT EXISTS (SELECT FROM reservations r WHERE r.id = n.reservation_id)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '% row names reservation %, which does not exist', TG_TABLE_NAME, v_reservation
      USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER reservation_lines_reservation_exists
  AFTER INSERT ON reservation_lines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reservation_reference_check();

-- One function refuses each of the statements below; the trigger passes its message, in which %s
-- stands for the operation (DELETE, UPDATE, TRUNCATE).
CREATE FUNCTION refuse_operation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', format(TG_ARGV[0], TG_OP) USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- WHEN is evaluated without calling the function: updates that keep the reservation cost nothing.
CREATE TRIGGER reservation_lines_reservation_fixed
  BEFORE UPDATE ON reservation_lines FOR EACH ROW
  WHEN (OLD.reservation_id IS DISTINCT FROM NEW.reservation_id)
  EXECUTE FUNCTION refuse_operation(
    'a reservation line keeps its reservation (%s of reservation_id refused)');

CREATE TRIGGER reservations_no_delete
  BEFORE DELETE ON reservations FOR EACH ROW
  EXECUTE FUNCTION refuse_operation('reservations are never removed (%s refused)');

CREATE TRIGGER reservations_no_truncate
  BEFORE TRUNCATE ON reservations FOR EACH STATEMENT
  EXECUTE FUNCTION refuse_operation('reservations are never removed (%s refused)');

CREATE TRIGGER reservations_id_fixed
  BEFORE UPDATE ON reservations FOR EACH ROW
  WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION refuse_operation('a reservation keeps its id (%s of id refused)');
