-- The batch functions never compile their statements to machine code (JIT).
--
-- PostgreSQL compiles a statement with LLVM when the planner's cost estimate passes jit_above_cost
-- (100,000 by default), and inlines and optimizes it past 500,000. A batch statement runs in a few
-- milliseconds, but its estimate follows the table statistics, and one bad estimate is enough. In
-- whole passes of the bench, reservation_lines grew to about 650,000 rows before autovacuum had
-- analyzed it once (pg_stats had no row for it, pg_class.reltuples stayed -1). Without statistics
-- the planner assumes 200 distinct values of a column, so it expected 2,403 lines per reservation
-- (instead of 1 to 5), costed the result statement of inventory_end_batch at 596,845, and
-- compiled it at every call: 190-240 ms a batch against a few ms without (auto_explain with
-- log_nested_statements), and mixed checkout fell from about 5,000 to 2,000-2,500 requests/s. A
-- new production database fills the same way before its first analyze. Compiling can only pay
-- off for statements that run for seconds; none of these does. As with 0005's planner settings, a
-- function SET holds inside the function and is restored when it returns, and it travels with the
-- function through any connection pooler. (The service's own connections also run with JIT off,
-- src/db/postgres.database.ts; this covers every other caller.)
ALTER FUNCTION inventory_reserve_batch(jsonb) SET jit = off;
ALTER FUNCTION inventory_end_batch(jsonb) SET jit = off;
