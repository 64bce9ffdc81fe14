-- The fields the official extension's REST API has and this schema lacked (the REST face of the
-- gateway shows them; gRPC callers see them too). Each column has a default, so adding it rewrites
-- no row and takes its table's lock only for a moment; servers of the previous version keep
-- working beside it (they neither read nor write these columns).

-- A company's public details, for layouts and for the BIMI-Selector header of its emails.
ALTER TABLE companies
  ADD COLUMN website              text NOT NULL DEFAULT '',
  ADD COLUMN contact_email        text NOT NULL DEFAULT '',
  ADD COLUMN icon_url             text NOT NULL DEFAULT '',
  ADD COLUMN bimi_selector_header text NOT NULL DEFAULT '';

-- The ready-made template a notification was copied from, and whether each of its messages also
-- goes to the user's in-app inbox.
ALTER TABLE notifications
  ADD COLUMN template       text NOT NULL DEFAULT '',
  ADD COLUMN system_enabled boolean NOT NULL DEFAULT false;

-- The type of notification a layout is for ('' for any: the layouts made before this).
ALTER TABLE layouts ADD COLUMN type text NOT NULL DEFAULT '';
