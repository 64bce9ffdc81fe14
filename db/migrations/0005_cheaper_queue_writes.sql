-- Writing a message cost PostgreSQL more than anything else the delivery drain does. Three changes
-- make each row cheaper to write.
--
-- 1. deliveries.company_id no longer has a foreign key. Its check ran once per inserted row and
--    locked the company's row each time (with many senders writing at once, the row's lock became
--    a multixact). The statements that insert deliveries lock each company they write for once,
--    FOR KEY SHARE, and insert nothing for a company that is gone; a company's purge deletes its
--    deliveries itself, after deleting (and so locking) the company's row.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_company_id_fkey;

-- 2. A delivery had two unique indexes on its id: the primary key (company_id, id), kept for the
--    foreign keys that referred to it (all gone since 0003 and 0004), and UNIQUE (id). One is
--    enough; every query that gives a company and an id finds the row by its id. (The new key
--    builds its index, while writes to deliveries wait: on a large table, that takes a while.)
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_id_key;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id);

-- 3. An event's row is written again after it is stored (claimed, finished). Such an update leaves
--    every index alone only if the row's new version fits on its page; events are taken in batches
--    of consecutive events, which share pages, so with 20% of each page free most did not fit and
--    were written to other pages, with an entry in each of the five indexes. Half of each page is
--    left free from now on (pages written before keep their 80%).
ALTER TABLE events SET (fillfactor = 50);
