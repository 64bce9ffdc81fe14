-- The first schema: companies and everything each company owns. Every table but companies carries
-- company_id, and every reference between company-owned rows goes through (company_id, id), so that no
-- row can point into another company.

-- A company (tenant) that activated the extension. Its platform token and webhook secret are stored
-- encrypted by the server (ciphertext with nonce); the database never sees them in clear.
CREATE TABLE companies (
  id                 text PRIMARY KEY CHECK (id <> ''),
  name               text NOT NULL DEFAULT '',
  mode               text NOT NULL DEFAULT 'test',
  active             boolean NOT NULL DEFAULT false,
  platform_token     bytea,
  webhook_secret     bytea NOT NULL,
  system_email       text NOT NULL DEFAULT '',
  support_email      text NOT NULL DEFAULT '',
  logo_url           text NOT NULL DEFAULT '',
  push_enabled       boolean NOT NULL DEFAULT false,
  email_daily_quota  integer NOT NULL DEFAULT 0 CHECK (email_daily_quota >= 0),
  sms_daily_quota    integer NOT NULL DEFAULT 0 CHECK (sms_daily_quota >= 0),
  push_daily_quota   integer NOT NULL DEFAULT 0 CHECK (push_daily_quota >= 0),
  activated          timestamptz,
  deactivated        timestamptz,
  created            timestamptz NOT NULL DEFAULT now(),
  updated            timestamptz NOT NULL DEFAULT now()
);

-- A layout wraps rendered content; each part is a template in which {{ content }} is the message.
CREATE TABLE layouts (
  company_id    text NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  name          text NOT NULL CHECK (name <> ''),
  description   text NOT NULL DEFAULT '',
  html_message  text NOT NULL DEFAULT '',
  text_message  text NOT NULL DEFAULT '',
  sms_message   text NOT NULL DEFAULT '',
  push_message  text NOT NULL DEFAULT '',
  created       timestamptz NOT NULL DEFAULT now(),
  updated       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  UNIQUE (id)
);

-- What an admin defined: on `event`, when `expression` holds, send through `type`.
CREATE TABLE notifications (
  company_id          text NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  id                  uuid NOT NULL DEFAULT gen_random_uuid(),
  type                text NOT NULL CHECK (type IN ('email', 'sms', 'push', 'system')),
  name                text NOT NULL CHECK (name <> ''),
  description         text NOT NULL DEFAULT '',
  event               text NOT NULL CHECK (event <> ''),
  subject             text NOT NULL DEFAULT '',
  text_message        text NOT NULL DEFAULT '',
  html_message        text NOT NULL DEFAULT '',
  sms_message         text NOT NULL DEFAULT '',
  push_message        text NOT NULL DEFAULT '',
  enabled             boolean NOT NULL DEFAULT true,
  preference_enabled  boolean NOT NULL DEFAULT false,
  to_email            text NOT NULL DEFAULT '',
  to_mobile           text NOT NULL DEFAULT '',
  to_user             text NOT NULL DEFAULT '',
  from_email          text NOT NULL DEFAULT '',
  expression          text NOT NULL DEFAULT '',
  layout_id           uuid,
  -- A client's AIP-155 request id, so that a retried create returns the first result.
  request_id          text,
  created             timestamptz NOT NULL DEFAULT now(),
  updated             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  UNIQUE (id),
  UNIQUE (company_id, request_id),
  FOREIGN KEY (company_id, layout_id) REFERENCES layouts (company_id, id) ON DELETE SET NULL (layout_id)
);
-- The delivery flow's lookup: a company's enabled notifications for one event.
CREATE INDEX notifications_by_event ON notifications (company_id, event) WHERE enabled;

-- A company's own provider credential; one per provider. `secrets` is the server-encrypted JSON of the
-- write-only fields; `settings` holds the rest.
CREATE TABLE credentials (
  company_id  text NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  type        text NOT NULL CHECK (type IN ('smtp', 'sendgrid', 'twilio', 'fcm')),
  name        text NOT NULL DEFAULT '',
  enabled     boolean NOT NULL DEFAULT true,
  settings    jsonb NOT NULL DEFAULT '{}',
  secrets     bytea,
  created     timestamptz NOT NULL DEFAULT now(),
  updated     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  UNIQUE (id),
  UNIQUE (company_id, type)
);

-- A user's choice for one notification; no row means the default (receive it).
CREATE TABLE preferences (
  company_id       text NOT NULL,
  user_id          text NOT NULL,
  notification_id  uuid NOT NULL,
  enabled          boolean NOT NULL,
  updated          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, user_id, notification_id),
  FOREIGN KEY (company_id, notification_id) REFERENCES notifications (company_id, id) ON DELETE CASCADE
);

-- A user's device registered for push; a token belongs to one user of a company at a time.
CREATE TABLE devices (
  company_id  text NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id     text NOT NULL CHECK (user_id <> ''),
  platform    text NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
  token       text NOT NULL CHECK (token <> ''),
  name        text NOT NULL DEFAULT '',
  created     timestamptz NOT NULL DEFAULT now(),
  updated     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  UNIQUE (id),
  UNIQUE (company_id, token)
);
CREATE INDEX devices_by_user ON devices (company_id, user_id);

-- An event received from the platform (or made by an admin's trigger or replay). The platform's id is the
-- idempotency key: one row per (company, event id), whatever the retries.
CREATE TABLE events (
  company_id   text NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  event_id     text NOT NULL CHECK (event_id <> ''),
  name         text NOT NULL CHECK (name <> ''),
  data         jsonb NOT NULL,
  origin       text NOT NULL DEFAULT 'webhook' CHECK (origin IN ('webhook', 'trigger')),
  status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'processed', 'ignored', 'failed')),
  attempts     integer NOT NULL DEFAULT 0,
  -- A worker holds a claimed event until this time; past it, another worker may claim it again.
  lease_until  timestamptz,
  error        text NOT NULL DEFAULT '',
  received     timestamptz NOT NULL DEFAULT now(),
  processed    timestamptz,
  PRIMARY KEY (company_id, id),
  UNIQUE (id),
  UNIQUE (company_id, event_id)
);
-- The event workers' queue: pending events, oldest first.
CREATE INDEX events_pending ON events (received) WHERE status = 'pending';
-- The admin's list: a company's events, newest first.
CREATE INDEX events_by_received ON events (company_id, received DESC, id DESC);

-- One message for one recipient through one channel: the admin's log and the user's inbox.
-- dedupe_key is (event, notification, recipient, channel) for messages an event produced, so that
-- processing an event twice creates nothing twice; a resend gets a key of its own.
CREATE TABLE deliveries (
  company_id         text NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  dedupe_key         text NOT NULL,
  event_id           uuid,
  notification_id    uuid,
  notification_name  text NOT NULL DEFAULT '',
  event              text NOT NULL DEFAULT '',
  type               text NOT NULL CHECK (type IN ('email', 'sms', 'push', 'system')),
  user_id            text NOT NULL DEFAULT '',
  recipient          text NOT NULL DEFAULT '',
  device_id          uuid,
  from_email         text NOT NULL DEFAULT '',
  subject            text NOT NULL DEFAULT '',
  text_message       text NOT NULL DEFAULT '',
  html_message       text NOT NULL DEFAULT '',
  sms_message        text NOT NULL DEFAULT '',
  push_message       text NOT NULL DEFAULT '',
  status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'retrying', 'sent', 'dead', 'skipped', 'deferred')),
  attempt_count      integer NOT NULL DEFAULT 0,
  last_error         text NOT NULL DEFAULT '',
  next_attempt       timestamptz NOT NULL DEFAULT now(),
  -- A sender holds a claimed delivery until this time; past it, another may claim it again.
  lease_until        timestamptz,
  received           boolean NOT NULL DEFAULT false,
  resend_of          uuid,
  created            timestamptz NOT NULL DEFAULT now(),
  updated            timestamptz NOT NULL DEFAULT now(),
  sent               timestamptz,
  PRIMARY KEY (company_id, id),
  UNIQUE (id),
  UNIQUE (company_id, dedupe_key),
  FOREIGN KEY (company_id, event_id) REFERENCES events (company_id, id) ON DELETE SET NULL (event_id),
  FOREIGN KEY (company_id, notification_id) REFERENCES notifications (company_id, id)
    ON DELETE SET NULL (notification_id),
  FOREIGN KEY (company_id, resend_of) REFERENCES deliveries (company_id, id) ON DELETE SET NULL (resend_of)
);
-- The senders' queue: what is due, per channel, soonest first.
CREATE INDEX deliveries_due ON deliveries (type, next_attempt)
  WHERE status IN ('pending', 'retrying', 'deferred');
-- The admin's log, newest first, and a user's inbox.
CREATE INDEX deliveries_by_created ON deliveries (company_id, created DESC, id DESC);
CREATE INDEX deliveries_by_user ON deliveries (company_id, user_id, created DESC, id DESC);
-- Daily quotas count what a company sent through a channel today.
CREATE INDEX deliveries_sent_by_day ON deliveries (company_id, type, sent) WHERE status = 'sent';

-- Every try at handing a delivery to its provider.
CREATE TABLE delivery_attempts (
  company_id       text NOT NULL,
  delivery_id      uuid NOT NULL,
  number           integer NOT NULL CHECK (number >= 1),
  started          timestamptz NOT NULL,
  duration_ms      integer NOT NULL DEFAULT 0,
  success          boolean NOT NULL,
  provider_status  integer NOT NULL DEFAULT 0,
  error            text NOT NULL DEFAULT '',
  PRIMARY KEY (company_id, delivery_id, number),
  FOREIGN KEY (company_id, delivery_id) REFERENCES deliveries (company_id, id) ON DELETE CASCADE
);
