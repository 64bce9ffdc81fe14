-- deliveries referred to events, notifications and other deliveries (resends) through foreign keys
-- with ON DELETE SET NULL. None of those columns is indexed (an index each would tax every delivery
-- written), so every deleted event, notification or delivery scanned all of its company's
-- deliveries: purging a company with 20,000 events and 20,000 deliveries took 15 s, and that time
-- grows with the square. Each insert also locked the rows it referred to.
--
-- Events and deliveries are deleted only with their company, whose foreign key (kept) deletes the
-- deliveries too; the server clears a deleted notification's id from its deliveries in the
-- transaction that deletes it.
ALTER TABLE deliveries
  DROP CONSTRAINT deliveries_company_id_event_id_fkey,
  DROP CONSTRAINT deliveries_company_id_notification_id_fkey,
  DROP CONSTRAINT deliveries_company_id_resend_of_fkey;
