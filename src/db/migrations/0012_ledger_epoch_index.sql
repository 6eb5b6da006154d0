-- The ledger's per-item index is keyed by epoch first: (id >> 18, item_id, warehouse_id, id), so
-- the newest 262,144 ledger rows (one epoch) sit together at the index's right edge, instead of
-- (item_id, warehouse_id, id), where every item that sells appends to its own leaf somewhere in
-- the whole index.
--
-- With many items selling at once on a large ledger, those leaves were the biggest part of what
-- PostgreSQL had to keep in its cache. Measured by the bench's large-data scenario (1,000,000
-- items and 10,000,000 reservations, 21.8 million ledger rows, against 10,000 items; uniform
-- reserve over 10,000 items; `shared_buffers` 128 MB), two runs before this file and one after,
-- three rounds each (docs/PERFORMANCE.md, seventh sitting); per reservation on the large
-- database:
--
--                                                  before         after
--   through the service:
--     index blocks read from outside the cache     0.34-0.45      0.10-0.18
--       of them the ledger index                   0.18-0.23      under 0.01
--     buffers a backend wrote out itself           0.28-0.35      0.14-0.16
--     WAL full-page images                         0.08-0.20      0.01-0.03
--   the batch function called directly:
--     index blocks read from outside the cache     0.32-0.39      0.036-0.037
--
-- Requests/s moved less than the bench machine's run-to-run spread: its operating system keeps the
-- whole database in memory, so a block read from outside PostgreSQL's cache is a copy there. On a
-- server whose memory does not hold the ledger, each one waits for the disk.
--
-- Within an epoch an item's rows are still together, so the index still serves "this item's
-- movements, newest first": db/movement-history.repository.ts walks the epochs from the newest
-- down, one index probe each, and stops once it has a page (LEDGER_EPOCH_BITS there must match
-- the 18 here; a test compares them). An item with few movements costs one probe per epoch:
-- 84 on that database.
--
-- Building the index reads the whole ledger and holds off writes to it meanwhile: 30 s for 23.7
-- million rows on the bench machine, with the default maintenance_work_mem (64 MB).
CREATE INDEX stock_movements_epoch_level_idx
  ON stock_movements ((id >> 18), item_id, warehouse_id, id);

DROP INDEX stock_movements_stock_level_idx;
