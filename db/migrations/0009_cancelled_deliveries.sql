-- A delivery can be 'cancelled': its company deactivated the extension before it went out. The new
-- check is added NOT VALID and then validated, so that the table is only share-locked while its rows
-- are read; servers of the previous version keep working beside it (they never write 'cancelled',
-- and their claims and updates pass such rows by).
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
  CHECK (status IN ('pending', 'retrying', 'sent', 'dead', 'skipped', 'deferred', 'cancelled'))
  NOT VALID;
ALTER TABLE deliveries VALIDATE CONSTRAINT deliveries_status_check;
