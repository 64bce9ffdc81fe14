-- The event workers' queue moves out of events into a narrow table of its own.
--
-- events was the queue: a partial index of pending events, claimed by writing a lease into the
-- event's row and finished by writing its status. The status is in that index's predicate, so
-- every finished event was a new row version with an entry in each of the table's five indexes,
-- and every claim a new version of the whole row, data included.
--
-- Now an event waiting to be processed has a row in event_queue, written by the statement that
-- stores the event. A claim writes a lease into that narrow row, which no index holds, so the update
-- stays on its page (half of each is left free) and touches no index; a claim steps over the events
-- other workers hold (a few batches), but not over postponed ones: postponing an event (the
-- platform is down) moves its `due` time, which the claims' index is ordered by. Finishing deletes
-- the row and writes the event's status, which no index of events holds any longer, so that the
-- update can stay on its page (the room 0005 leaves).
--
-- events.attempts and events.lease_until are no longer written. Stop every server of the previous
-- version before a server of this one applies this: an older server would store events without a
-- place in the queue (never processed), and claim events from events while newer ones claim them
-- from here (some messages sent twice). The copy below runs with new events kept out.
CREATE TABLE event_queue (
  id           uuid PRIMARY KEY,               -- the event's (events.id)
  -- When a worker may take the event: when it was received, or the end of a postponement.
  due          timestamptz NOT NULL DEFAULT now(),
  -- A worker holds the event until then.
  lease_until  timestamptz,
  -- Claims so far, the one in progress included.
  attempts     integer NOT NULL DEFAULT 0
) WITH (fillfactor = 50);
CREATE INDEX event_queue_due ON event_queue (due);

LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO event_queue (id, due, lease_until, attempts)
  SELECT id, received, lease_until, attempts FROM events WHERE status = 'pending';

DROP INDEX events_pending;
