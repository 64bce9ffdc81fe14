// Every path and method of the gateway's own OpenAPI document, called for real with ids that exist,
// and each answer checked against the schema the document gives for its status (ajv, JSON Schema
// 2020-12 as OpenAPI 3.1 uses it). Then every error status, and CORS, at the HTTP level.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

import { CORS_ORIGIN, PLATFORM, TOKENS, USERS, eventually, http } from './env.mjs';

const schemaDoc = (await http('GET', 'schema/')).body;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'doc', components: schemaDoc.components });
const rewrite = (node) => {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) =>
      [k, k === '$ref' && typeof v === 'string' ? v.replace(/^#/, 'doc#') : rewrite(v)]));
  }
  return node;
};

/** Checks `answer` against the document's schema of `path`/`method` for its status. */
function conforms(path, method, answer) {
  const op = schemaDoc.paths[path][method];
  let response = op.responses[String(answer.status)];
  assert.ok(response, `${method.toUpperCase()} ${path}: answered ${answer.status}, which the document does not list`);
  if (response.$ref) response = schemaDoc.components.responses[response.$ref.split('/').pop()];
  const schema = rewrite(response.content['application/json'].schema);
  const validate = ajv.compile(schema);
  assert.ok(validate(answer.body),
    `${method.toUpperCase()} ${path} ${answer.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(answer.body).slice(0, 600)}`);
}

const admin = { token: TOKENS.acmeAdmin };

test('every path of the OpenAPI document answers, in the shape the document gives', async () => {
  await http('POST', 'activate/', { body: { token: TOKENS.acmeAdmin } });
  // Something of everything, so that every id in a path is one that exists.
  const created = async (path, body, token = TOKENS.acmeAdmin) => {
    const answer = await http('POST', path, { token, body });
    assert.equal(answer.status, 201, `${path}: ${JSON.stringify(answer.body)}`);
    return answer.body.data;
  };
  const layout = await created('admin/layouts/', { name: 'Walk', type: 'email', html_layout: '{{ content }}' });
  const notification = await created('admin/notifications/', {
    type: 'system', name: 'Walk inbox', event: 'user.create', enabled: true, preference_enabled: true,
    subject: 'Hello', text_message: 'Hi {{ first_name }}', layout: layout.id,
  });
  const credential = await created('admin/credentials/', {
    credential_type: 'smtp', credentials: { smtp_url: 'smtp://127.0.0.1:1' }, enabled: false,
  });
  const trigger = await http('POST', `admin/notifications/${notification.id}/trigger/`,
    { ...admin, body: { users: [USERS.thabo.id], data: { first_name: 'Thabo' } } });
  assert.equal(trigger.status, 200);
  const eventId = trigger.body.data.event_id;
  const log = await eventually('the in-app log', async () =>
    (await http('GET', 'user/logs/', { token: TOKENS.acmeUser })).body.data.results
      .find((l) => l.notification === notification.id));
  const fired = await fetch(`${PLATFORM}/_sim/fire`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ company: 'acme', event: 'user.create', data: { id: USERS.thabo.id, first_name: 'Thabo' } }),
  });
  assert.equal(fired.status, 200);
  const event = await eventually('the webhook event is stored', async () =>
    (await http('GET', 'admin/events/?event=user.create', admin)).body.data.results[0]);
  const registered = await http('POST', 'user/devices/',
    { token: TOKENS.acmeUser, body: { platform: 'android', token: 'fcm-walk-token', name: 'Phone' } });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  const device = registered.body.data;
  const secret = (await http('GET', 'admin/company/', admin)).body.data.secret;

  const ids = {
    'admin/notifications': notification.id, 'admin/layouts': layout.id,
    'admin/credentials': credential.id, 'admin/logs': log.id, 'admin/events': event.id,
    'admin/templates': 'welcome_email', 'admin/layout-templates': 'branded_email',
    'user/notifications': notification.id, 'user/logs': log.id, 'user/devices': device.id,
  };
  const user = { token: TOKENS.acmeUser };
  // The request for each write, by method and path (after ids are placed).
  const bodies = {
    'POST activate/': [{ body: { token: TOKENS.acmeAdmin } }],
    'POST rotate/': [{ body: { token: TOKENS.acmeAdmin } }],
    'POST webhook/': [{ raw: JSON.stringify({ id: 'walk-1', event: 'user.create', company: 'acme', data: { id: USERS.thabo.id } }), headers: { Authorization: `Secret ${secret}`, 'Content-Type': 'application/json' } }],
    'POST admin/webhook/': [{ raw: JSON.stringify({ id: 'walk-2', event: 'user.create', company: 'acme', data: { id: USERS.thabo.id } }), headers: { Authorization: `Secret ${secret}`, 'Content-Type': 'application/json' } }],
    'PATCH admin/company/': [{ ...admin, body: { name: 'Acme Wallet' } }],
    'PUT admin/company/': [{ ...admin, body: { name: 'Acme Wallet' } }],
    'POST admin/notifications/': [{ ...admin, body: { type: 'sms', name: 'Walk SMS', event: 'user.create', sms_message: 'Hi' } }],
    'PATCH admin/notifications/{notification_id}/': [{ ...admin, body: { description: 'Walked' } }],
    'PUT admin/notifications/{notification_id}/': [{ ...admin, body: { name: 'Walk inbox', description: 'Put' } }],
    'POST admin/notifications/preview/': [{ ...admin, body: { notification: { type: 'sms', name: 'x', event: 'user.create', sms_message: 'Hi {{ n }}' }, data: { n: 1 } } }],
    'POST admin/notifications/{notification_id}/preview/': [{ ...admin, body: { data: { first_name: 'Ada' } } }],
    'POST admin/notifications/{notification_id}/trigger/': [{ ...admin, body: { users: [USERS.maria.id] } }],
    'POST admin/layouts/': [{ ...admin, body: { name: 'Walk 2', type: 'sms', sms_layout: '{{ content }}' } }],
    'PATCH admin/layouts/{layout_id}/': [{ ...admin, body: { description: 'Walked' } }],
    'PUT admin/layouts/{layout_id}/': [{ ...admin, body: { name: 'Walk', type: 'email', html_layout: '{{ content }}' } }],
    'POST admin/credentials/': [{ ...admin, body: { credential_type: 'fcm', credentials: { fcm_project_id: 'p', fcm_service_account_json: '{"client_email":"a@b.c","private_key":"k"}' }, enabled: false } }],
    'PATCH admin/credentials/{credential_id}/': [{ ...admin, body: { name: 'Walked' } }],
    'PUT admin/credentials/{credential_id}/': [{ ...admin, body: { credential_type: 'smtp', credentials: { smtp_url: 'smtp://127.0.0.1:2' } } }],
    'POST admin/logs/{log_id}/send/': [{ ...admin, body: {} }],
    'POST admin/events/{event_id}/replay/': [{ ...admin, body: {} }],
    'PATCH user/notifications/{notification_id}/': [{ ...user, body: { enabled: true } }],
    'PUT user/notifications/{notification_id}/': [{ ...user, body: { enabled: true } }],
    'PATCH user/logs/{log_id}/': [{ ...user, body: { received: true } }],
    'PUT user/logs/{log_id}/': [{ ...user, body: { received: false } }],
    'POST user/devices/': [{ ...user, body: { platform: 'web', token: 'fcm-walk-web', name: 'Browser' } }],
  };
  const order = { get: 0, post: 1, put: 2, patch: 3, delete: 4 };
  const calls = [];
  for (const [path, item] of Object.entries(schemaDoc.paths)) {
    for (const method of Object.keys(item)) calls.push([path, method]);
  }
  calls.sort((a, b) => order[a[1]] - order[b[1]]);
  let walked = 0;
  for (const [path, method] of calls) {
    if (path === '/deactivate/') continue;  // Walked last, on its own below.
    const relative = path.slice(1);
    const collection = Object.keys(ids).find((c) => relative.startsWith(`${c}/`));
    const concrete = relative.replace(/\{[^}]+\}/g, () => ids[collection]);
    const key = `${method.toUpperCase()} ${relative}`;
    const isUser = relative.startsWith('user/');
    const request = bodies[key]?.[0] ?? (isUser ? user : admin);
    const answer = await http(method.toUpperCase(), concrete, request);
    assert.notEqual(answer.status, 404, `${key}: 404 ${JSON.stringify(answer.body)}`);
    assert.ok(answer.status < 300, `${key}: ${answer.status} ${JSON.stringify(answer.body)}`);
    conforms(path, method, answer);
    walked++;
  }
  assert.ok(walked >= 45, `walked ${walked} operations`);

  const deactivated = await http('POST', 'deactivate/', { body: { token: TOKENS.globexAdmin } });
  conforms('/deactivate/', 'post', deactivated);
});

test('every error status, in the platform envelope and in the shape the document gives', async () => {
  await http('POST', 'activate/', { body: { token: TOKENS.acmeAdmin } });
  const cases = [
    ['GET', 'admin/company/', {}, 401],
    ['GET', 'admin/company/', { token: 'y'.repeat(64) }, 401],
    ['GET', 'admin/company/', { token: TOKENS.acmeUser }, 403],
    ['GET', 'admin/notifications/00000000-0000-0000-0000-000000000000/', admin, 404],
    ['GET', 'admin/notifications/not-a-uuid/', admin, 404],
    ['POST', 'admin/notifications/', { ...admin, raw: '{"name": ', headers: { 'Content-Type': 'application/json' } }, 400],
    ['POST', 'admin/notifications/', { ...admin, body: { name: 'x', bogus: true } }, 400],
    ['PATCH', 'admin/company/', { ...admin, body: { push_enabled: 'sometimes' } }, 400],
    ['GET', 'admin/notifications/?page=0', admin, 400],
    ['GET', 'admin/notifications/?page=abc', admin, 400],
    ['GET', 'admin/notifications/?type=fax', admin, 400],
    ['GET', 'admin/notifications/?no_such_filter=1', admin, 400],
    ['GET', 'admin/logs/?created__gt=yesterday', admin, 400],
    ['GET', 'admin/notifications/?page=99', admin, 404],
    ['GET', 'admin/notifications/?name=%zz', admin, 400],
  ];
  for (const [method, path, request, status] of cases) {
    const answer = await http(method, path, request);
    assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.status, 'error', `${method} ${path}`);
    assert.equal(typeof answer.body.message, 'string');
    const documented = `/${path.split('?')[0]}`.replace(/\/([a-z-]+?)s\/([0-9a-f-]{36}|not-a-uuid)\//, '/$1s/{$1_id}/');
    conforms(documented, method.toLowerCase(), answer);
  }
  const fields = await http('POST', 'admin/notifications/', { ...admin, body: { name: 7, type: 'fax', enabled: 'x' } });
  assert.deepEqual(fields.body.data, {
    type: ['"fax" is not a valid choice.'], enabled: ['Must be a valid boolean.'],
  });
  assert.match(fields.body.message, /type: "fax" is not a valid choice\./);
  const page = await http('GET', 'admin/notifications/?page=0', admin);
  assert.ok(page.body.data.page, 'a bad page names the page');

  const wrongMethod = await http('DELETE', 'admin/company/', admin);
  assert.equal(wrongMethod.status, 405);
  assert.match(wrongMethod.headers.get('allow'), /GET, PATCH, PUT/);
  const unknown = await http('GET', 'admin/nothing-here/', admin);
  assert.equal(unknown.status, 404);
  const notJson = await http('POST', 'admin/notifications/', { ...admin, raw: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(notJson.status, 415);

  // The platform rate-limiting us is 429 with Retry-After; the platform down is 503.
  const fault = async (status, body) => fetch(`${PLATFORM}/_sim/faults`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ path: '/3/auth/', status, count: 5, ...body }),
  });
  const fresh = `acmeadmin${'0'.repeat(55)}`;
  await fetch(`${PLATFORM}/_sim/tokens`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: fresh, user: '3f6c2a9e-8b1d-4c47-9a2e-5d0b7e41c9a1' }),
  });
  await fault(429, { retry_after: 7 });
  const limited = await http('GET', 'admin/company/', { token: fresh });
  assert.equal(limited.status, 429, JSON.stringify(limited.body));
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  conforms('/admin/company/', 'get', limited);
  await fetch(`${PLATFORM}/_sim/faults`, { method: 'DELETE' });
  await fault(503, {});
  const down = await http('GET', 'admin/company/', { token: `acmeadmin${'1'.repeat(55)}` });
  await fetch(`${PLATFORM}/_sim/faults`, { method: 'DELETE' });
  assert.equal(down.status, 503, JSON.stringify(down.body));
  assert.ok(down.headers.get('retry-after'));
  conforms('/admin/company/', 'get', down);
});

test('browsers: preflights answered, allowed origins echoed, others refused', async () => {
  const preflight = await http('OPTIONS', 'admin/notifications/', {
    headers: { Origin: CORS_ORIGIN, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization,content-type' },
  });
  assert.equal(preflight.status, 403, 'no PATCH on the collection');
  const ok = await http('OPTIONS', 'admin/notifications/', {
    headers: { Origin: CORS_ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
  });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), CORS_ORIGIN);
  assert.match(ok.headers.get('access-control-allow-methods'), /GET, POST/);
  assert.match(ok.headers.get('access-control-allow-headers'), /Authorization, Content-Type/);
  const stranger = await http('OPTIONS', 'admin/notifications/', {
    headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
  });
  assert.equal(stranger.status, 403);
  assert.equal(stranger.headers.get('access-control-allow-origin'), null);

  const get = await http('GET', 'admin/company/', { ...admin, headers: { Origin: CORS_ORIGIN } });
  assert.equal(get.status, 200);
  assert.equal(get.headers.get('access-control-allow-origin'), CORS_ORIGIN);
  assert.equal(get.headers.get('vary'), 'Origin');
  const other = await http('GET', 'admin/company/', { ...admin, headers: { Origin: 'https://evil.example' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const error = await http('GET', 'admin/company/', { headers: { Origin: CORS_ORIGIN } });
  assert.equal(error.status, 401);
  assert.equal(error.headers.get('access-control-allow-origin'), CORS_ORIGIN, 'errors carry it too');
});
