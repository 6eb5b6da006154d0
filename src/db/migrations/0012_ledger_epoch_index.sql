-- The ledger's per-item index is keyed by epoch first: (id >> 18, item_id, warehouse_id, id), so
-- the newest 262,144 ledger rows (one epoch) sit together at the index's right edge, instead of
-- (item_id, warehouse_id, id), where every item that sells appends to its own leaf somewhere in
-- the whole index.
--
-- With many items selling at once on a large ledger, those leaves were the biggest part of what
-- PostgreSQL had to keep in its cache. Measured on the bench's large database (1,000,000 items,
-- 21.8 million ledger rows) beside its small one (10,000 items), uniform reserve over 10,000
-- items through the service, 15 s per run, `shared_buffers` 128 MB, three alternating rounds
-- (docs/PERFORMANCE.md, seventh sitting); per reservation, on the large database:
--
--                                               old index     this index
--   index blocks read from outside the cache     0.28-0.33     0.08-0.14
--     of them the ledger index                   0.16-0.20     0.008-0.009
--   buffers PostgreSQL had to allocate           0.37-0.40     0.16-0.22
--   dirty buffers a backend wrote out itself     0.27-0.33     0.16-0.20
--   WAL full-page images                         0.05-0.11     0.001-0.05
--
-- Within an epoch an item's rows are still together, so the index still serves "this item's
-- movements, newest first": db/movement-history.repository.ts walks the epochs from the newest
-- down, one index probe each, and stops once it has a page (LEDGER_EPOCH_BITS there must match
-- the 18 here; a test compares them). An item with few movements costs one probe per epoch:
-- 84 on that database.
--
-- Building the index reads the whole ledger and holds off writes to it meanwhile: 29 s for 21.8
-- million rows on the bench machine (maintenance_work_mem 1 GB).
CREATE INDEX stock_movements_epoch_level_idx
  ON stock_movements ((id >> 18), item_id, warehouse_id, id);

DROP INDEX stock_movements_stock_level_idx;
