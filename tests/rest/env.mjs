// What the REST tests share: the stack's addresses and tokens (from tests/rest/rest_test.py), the
// platform's SDK bound to a token, raw HTTP for what the SDK hides (status codes, headers), and a
// wait on a condition.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createAuth } from 'rehive/auth';
import { createNotificationsApi } from 'rehive/extensions/notifications';

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through tests/rest/rest_test.py`);
  return value;
}

export const GATEWAY = need('NOTIFY_REST_BASE');  // e.g. http://127.0.0.1:8080/api/
export const PLATFORM = need('NOTIFY_PLATFORM_URL');
export const PROVIDERS = need('NOTIFY_PROVIDERS_URL');
export const MAIL_DIR = need('NOTIFY_MAIL_DIR');
export const CORS_ORIGIN = need('NOTIFY_CORS_ORIGIN');
export const TOKENS = {
  acmeAdmin: need('NOTIFY_ACME_ADMIN_TOKEN'),
  acmeUser: need('NOTIFY_ACME_USER_TOKEN'),
  acmeUser2: need('NOTIFY_ACME_USER2_TOKEN'),
  globexAdmin: need('NOTIFY_GLOBEX_ADMIN_TOKEN'),
};
export const USERS = {
  thabo: { id: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', email: 'thabo.nkosi@mail.example' },
  maria: { id: '9e8d7c6b-5a4f-4e3d-a2c1-b0a9f8e7d6c5', email: 'maria.santos@mail.example' },
};

/** The platform's SDK, as an app or the dashboard builds it, for a user with this token. */
export function sdk(token) {
  return createNotificationsApi({ auth: createAuth({ token, baseUrl: PLATFORM }), baseUrl: GATEWAY });
}

/** A plain HTTP request to the gateway: {status, headers, body (parsed JSON or text)}. */
export async function http(method, path, { token, body, headers = {}, raw } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Token ${token}`;
  let payload;
  if (raw !== undefined) {
    payload = raw;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(new URL(path, GATEWAY), { method, headers: h, body: payload });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left as text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** The SDK's error for a call that must fail, with its HTTP status checked. */
export async function rejects(promise, status) {
  try {
    await promise;
  } catch (error) {
    assert.equal(error.status, status, `expected ${status}, got ${error.status}: ${JSON.stringify(error.error)}`);
    return error.error;
  }
  assert.fail(`expected HTTP ${status}, but the call succeeded`);
}

/** Polls `check` (which returns a value, or undefined to go on) until it gives one; fails after `ms`. */
export async function eventually(what, check, ms = 20000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last !== undefined && last !== false) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The emails the SMTP sink received, as their raw text. */
export function mails() {
  let names = [];
  try {
    names = readdirSync(MAIL_DIR).filter((n) => n.endsWith('.eml'));
  } catch {
    return [];
  }
  return names.map((n) => readFileSync(join(MAIL_DIR, n), 'utf8'));
}

/** The requests the providers' simulator received from `provider` ("sendgrid", "twilio", ...). */
export async function providerRequests(provider) {
  const response = await fetch(`${PROVIDERS}/_sim/requests?provider=${provider}`);
  assert.equal(response.status, 200, 'the providers simulator answers');
  return (await response.json()).requests;
}

export async function simulator(path, body) {
  const response = await fetch(`${PROVIDERS}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(response.status < 300, `${path}: ${response.status}`);
}
