-- The event workers' queue moves out of events into a narrow table of its own.
--
-- events was the queue: a partial index of pending events, claimed by writing a lease into the
-- event's row and finished by writing its status. The status is in that index's predicate, so
-- every finished event was a new row version with an entry in each of the table's five indexes,
-- and every claim a new version of the whole row, data included.
--
-- Now an event waiting to be processed has a row in event_queue, written by the statement that
-- stores the event. A claim moves the row's `due` to the end of its lease (a narrow row, two small
-- indexes; like the senders' queue since 0003, claims read only what is due and never step over
-- events in flight, nor over events postponed while the platform is down); finishing deletes it
-- and writes the event's status, which no index of events holds any longer, so that the update can
-- stay on its page (the room 0005 leaves).
--
-- events.attempts and events.lease_until are no longer written (kept for servers of the previous
-- version still running while this is applied; they claim from events, and the dedupe keys keep
-- both from writing a message twice).
CREATE TABLE event_queue (
  id        uuid PRIMARY KEY,                 -- the event's (events.id)
  -- When a worker may take the event: when it was received, then the end of each claim's lease or
  -- of a postponement.
  due       timestamptz NOT NULL DEFAULT now(),
  -- Claims so far, the one in progress included.
  attempts  integer NOT NULL DEFAULT 0
) WITH (fillfactor = 70);
CREATE INDEX event_queue_due ON event_queue (due);

INSERT INTO event_queue (id, due, attempts)
  SELECT id, greatest(received, coalesce(lease_until, received)), attempts
  FROM events WHERE status = 'pending';

DROP INDEX events_pending;
