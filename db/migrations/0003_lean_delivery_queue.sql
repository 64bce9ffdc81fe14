-- The senders' queue, leaner.
--
-- A delivery a sender holds is due again when its lease ends: claims read the senders' queue index
-- only up to now() and no longer step over deliveries in flight, checking lease_until row by row.
-- Deliveries held while this runs (a server of the previous version sending them) move to their
-- lease's end, so that no claim takes them before it. (A claim of a delivery is then no longer the
-- heap-only update 0002 made room for; the room still keeps each new row version on its page.)
UPDATE deliveries SET next_attempt = lease_until
  WHERE status IN ('pending', 'retrying', 'deferred') AND lease_until > next_attempt;

-- A delivery's attempts live in its own row, oldest first, written by the same update that records
-- the outcome: no second row, index and foreign-key check per attempt. Each element is
-- {"number", "started", "duration_ms", "success", "provider_status", "error"}.
ALTER TABLE deliveries ADD COLUMN attempts jsonb NOT NULL DEFAULT '[]';
UPDATE deliveries d SET attempts = a.list
  FROM (SELECT company_id, delivery_id,
               jsonb_agg(jsonb_build_object('number', number, 'started', started,
                                            'duration_ms', duration_ms, 'success', success,
                                            'provider_status', provider_status, 'error', error)
                         ORDER BY number) AS list
          FROM delivery_attempts GROUP BY company_id, delivery_id) a
  WHERE d.company_id = a.company_id AND d.id = a.delivery_id;
DROP TABLE delivery_attempts;
