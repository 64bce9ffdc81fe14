-- The two queues' rows are claimed (a lease written) before they are finished. Room left on each
-- page lets PostgreSQL write a claim as a heap-only update, touching none of the tables' indexes
-- (the lease is in none of them); a full page makes every claim add an entry to every index.
-- Takes effect on pages written from now on.
ALTER TABLE events SET (fillfactor = 80);
ALTER TABLE deliveries SET (fillfactor = 80);
