// An admin's day on the platform's dashboard and a user's in a wallet app, through the platform's
// own SDK (rehive 4.4.0, rehive/extensions/notifications) pointed at the gateway's REST face. The
// steps run in order and share what they create.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  TOKENS, USERS, eventually, providerRequests, rejects, sdk, simulator,
} from './env.mjs';

const admin = sdk(TOKENS.acmeAdmin);
const user = sdk(TOKENS.acmeUser);
const globex = sdk(TOKENS.globexAdmin);
const made = {};  // What the steps create, by name.

test('the platform activates the extension for both companies', async () => {
  const acme = await admin.activateCreate({ body: { token: TOKENS.acmeAdmin } });
  assert.equal(acme.status, 'success');
  assert.equal(acme.data.id, 'acme');
  assert.equal(acme.data.secret.length, 48);
  made.secret = acme.data.secret;
  const other = await globex.activateCreate({ body: { token: TOKENS.globexAdmin } });
  assert.equal(other.data.id, 'globex');
  assert.notEqual(other.data.secret, made.secret);
  const refused = await rejects(admin.activateCreate({ body: { token: TOKENS.acmeUser } }), 400);
  assert.ok(refused.data.token, 'a user token is refused on the token field');
});

test('company settings: read, change in part and in whole, refuse what is malformed', async () => {
  const read = await admin.adminCompanyRetrieve();
  assert.equal(read.data.id, 'acme');
  assert.equal(read.data.secret, made.secret, "the company's own secret, to its own admins");
  assert.deepEqual(Object.keys(read.data.quotas).sort(), ['email', 'push', 'sms']);
  assert.equal(read.data.mode, 'test');

  const patched = await admin.adminCompanyPartialUpdate({
    body: {
      name: 'Acme Pay', website: 'https://acme.example', contact_email: 'hello@acme.example',
      bimi_selector_header: 'v=BIMI1; s=acme;', logo: 'https://acme.example/logo.png',
      icon: 'https://acme.example/icon.png', system_email: 'no-reply@acme.example',
    },
  });
  assert.equal(patched.data.name, 'Acme Pay');
  assert.equal(patched.data.logo, 'https://acme.example/logo.png');
  const put = await admin.adminCompanyUpdate({ body: { support_email: 'help@acme.example' } });
  assert.equal(put.data.support_email, 'help@acme.example');
  assert.equal(put.data.website, 'https://acme.example', 'a PUT changes only what it sends');
  const again = await admin.adminCompanyRetrieve();
  assert.equal(again.data.contact_email, 'hello@acme.example');
  assert.equal(again.data.bimi_selector_header, 'v=BIMI1; s=acme;');

  const bad = await rejects(admin.adminCompanyPartialUpdate({ body: { website: 'ftp://acme' } }), 400);
  assert.match(bad.data.website[0], /http/);
  const readOnly = await admin.adminCompanyPartialUpdate({ body: { secret: 'mine', id: 'x' } });
  assert.equal(readOnly.data.secret, made.secret, 'read-only fields are passed over');
  assert.equal(readOnly.data.id, 'acme');
});

test('every type of notification, created, listed with filters and pages, changed, read', async () => {
  const bodies = {
    email: {
      type: 'email', name: 'Deposit email', event: 'transaction.create', enabled: true,
      subject: 'You received {{ amount }}', text_message: 'Hi {{ user.first_name }}, {{ amount }} arrived.',
      html_message: '<p>Hi {{ user.first_name }}</p>', preference_enabled: true,
    },
    sms: { type: 'sms', name: 'Deposit SMS', event: 'transaction.create', sms_message: 'Got {{ amount }}' },
    push: { type: 'push', name: 'Deposit push', event: 'transaction.create', push_message: 'Got {{ amount }}' },
    system: {
      type: 'system', name: 'Deposit inbox', event: 'transaction.create', enabled: true,
      subject: 'Deposit', text_message: 'You received {{ amount }}.',
    },
  };
  for (const [type, body] of Object.entries(bodies)) {
    const created = await admin.adminNotificationsCreate({ body });
    assert.equal(created.data.type, type);
    assert.equal(created.data.company, 'acme');
    assert.equal(typeof created.data.created, 'number');
    made[type] = created.data;
  }
  const broken = await rejects(admin.adminNotificationsCreate({
    body: { type: 'email', name: 'Broken', event: 'user.create', subject: 'x', text_message: 'Hi {{ name|nosuchfilter }}' },
  }), 400);
  assert.match(broken.data.text_message[0], /line 1, column 12: unknown filter 'nosuchfilter'/);
  const missing = await rejects(admin.adminNotificationsCreate({ body: { type: 'sms' } }), 400);
  assert.deepEqual(missing.data.name, ['This field is required.']);

  const sms = await admin.adminNotificationsList({ query: { type: 'sms' } });
  assert.equal(sms.data.count, 1);
  assert.equal(sms.data.results[0].id, made.sms.id);
  const named = await admin.adminNotificationsList({ query: { name: 'deposit', event: 'transaction.create' } });
  assert.equal(named.data.count, 4);

  const first = await admin.adminNotificationsList({ query: { page_size: 3 } });
  assert.equal(first.data.count, 4);
  assert.equal(first.data.results.length, 3);
  assert.equal(first.data.previous, null);
  assert.match(first.data.next, /^http:\/\/127\.0\.0\.1:\d+\/api\/admin\/notifications\/\?page_size=3&page=2$/);
  const second = await admin.adminNotificationsList({ query: { page_size: 3, page: 2 } });
  assert.equal(second.data.results.length, 1);
  assert.equal(second.data.next, null);
  assert.match(second.data.previous, /\/api\/admin\/notifications\/\?page_size=3$/);
  const ids = [...first.data.results, ...second.data.results].map((n) => n.id).sort();
  assert.deepEqual(ids, Object.values(made).filter((v) => v.id).map((n) => n.id).sort());
  await rejects(admin.adminNotificationsList({ query: { page: 3, page_size: 3 } }), 404);

  const renamed = await admin.adminNotificationsUpdate({
    path: { notification_id: made.sms.id },
    body: { name: 'Deposit text', type: 'sms', event: 'transaction.create', sms_message: 'Got {{ amount }}!' },
  });
  assert.equal(renamed.data.name, 'Deposit text');
  const got = await admin.adminNotificationsRetrieve({ path: { notification_id: made.sms.id } });
  assert.equal(got.data.sms_message, 'Got {{ amount }}!');
});

test('bulk disable and enable, as the dashboard does it, one PATCH each', async () => {
  const all = await admin.adminNotificationsList({ query: { page_size: 250 } });
  for (const n of all.data.results) {
    const off = await admin.adminNotificationsPartialUpdate({
      path: { notification_id: n.id }, body: { enabled: false },
    });
    assert.equal(off.data.enabled, false);
  }
  const after = await admin.adminNotificationsList({ query: { page_size: 250 } });
  assert.ok(after.data.results.every((n) => n.enabled === false));
  for (const n of after.data.results) {
    await admin.adminNotificationsPartialUpdate({ path: { notification_id: n.id }, body: { enabled: true } });
  }
  const back = await admin.adminNotificationsList({ query: { page_size: 250 } });
  assert.ok(back.data.results.every((n) => n.enabled === true));
});

test('a ready-made template and a ready-made layout, copied', async () => {
  const templates = await admin.adminTemplatesList();
  assert.equal(templates.data.count, 9);
  const emails = await admin.adminTemplatesList({ query: { type: 'email', layout: 'branded_email' } });
  assert.equal(emails.data.count, 6);
  const welcome = await admin.adminTemplatesRetrieve({ path: { template_id: 'welcome_email' } });
  assert.equal(welcome.data.event, 'user.create');
  assert.equal(welcome.data.layout.id, 'branded_email');
  assert.equal(welcome.data.deletable, true);

  const copied = await admin.adminNotificationsCreate({ body: { template: 'welcome_email', name: 'Welcome' } });
  assert.equal(copied.data.subject, welcome.data.subject, "the template's parts fill the copy");
  assert.equal(copied.data.type, 'email');
  assert.deepEqual(copied.data.template, { id: 'welcome_email', default: false, deletable: true });
  made.welcome = copied.data;
  await rejects(admin.adminNotificationsCreate({ body: { template: 'nope', name: 'x' } }), 400);

  const layouts = await admin.adminLayoutTemplatesList({ query: { type: 'email' } });
  assert.equal(layouts.data.count, 2);
  const branded = await admin.adminLayoutTemplatesRetrieve({ path: { id: 'branded_email' } });
  assert.match(branded.data.html_layout, /\{\{ content \}\}/);
  const mine = await admin.adminLayoutsCreate({
    body: { name: 'Acme branded', type: 'email', html_layout: branded.data.html_layout, text_layout: branded.data.text_layout },
  });
  assert.equal(mine.data.type, 'email');
  made.layout = mine.data;
  const withLayout = await admin.adminNotificationsPartialUpdate({
    path: { notification_id: made.email.id }, body: { layout: mine.data.id },
  });
  assert.equal(withLayout.data.layout.id, mine.data.id);
  assert.equal(withLayout.data.layout.name, 'Acme branded');
  const byLayout = await admin.adminNotificationsList({ query: { layout: mine.data.id } });
  assert.equal(byLayout.data.count, 1);
  const typed = await admin.adminLayoutsList({ query: { type: 'sms' } });
  assert.equal(typed.data.count, 0);
  const renamed = await admin.adminLayoutsPartialUpdate({ path: { id: mine.data.id }, body: { description: 'Ours' } });
  assert.equal(renamed.data.description, 'Ours');
  const needsType = await rejects(admin.adminLayoutsCreate({ body: { name: 'No type' } }), 400);
  assert.deepEqual(needsType.data.type, ['This field is required.']);
});

test('credentials: created the dashboard way, secrets never come back', async () => {
  await simulator('/_sim/sendgrid/keys', { key: 'SG.acme-live-key' });
  const sendgrid = await admin.adminCredentialsCreate({
    body: {
      credential_type: 'sendgrid',
      credentials: { sendgrid_api_key: 'SG.acme-live-key', sendgrid_from_email: 'news@acme.example' },
    },
  });
  assert.equal(sendgrid.data.credential_type, 'sendgrid');
  assert.equal(sendgrid.data.credentials.sendgrid_api_key, '********');
  assert.equal(sendgrid.data.credentials.sendgrid_from_email, 'news@acme.example');
  made.sendgrid = sendgrid.data;
  const twilio = await admin.adminCredentialsCreate({
    body: {
      credential_type: 'twilio',
      credentials: { twilio_sid: 'ACacme', twilio_token: 'twilio-secret-token', twilio_from_number: '+15550009999' },
    },
  });
  assert.equal(twilio.data.credentials.twilio_token, '********');
  const listed = await admin.adminCredentialsList();
  assert.equal(listed.data.count, 2);
  const changed = await admin.adminCredentialsPartialUpdate({
    path: { credential_id: twilio.data.id }, body: { credentials: { twilio_from_number: '+15550008888' } },
  });
  assert.equal(changed.data.credentials.twilio_from_number, '+15550008888');
  assert.equal(changed.data.credentials.twilio_token, '********');
  const everything = JSON.stringify([sendgrid, twilio, listed, changed,
    await admin.adminCredentialsRetrieve({ path: { credential_id: twilio.data.id } })]);
  assert.ok(!everything.includes('SG.acme-live-key') && !everything.includes('twilio-secret-token'));
  await admin.adminCredentialsDestroy({ path: { credential_id: twilio.data.id } });
  await rejects(admin.adminCredentialsRetrieve({ path: { credential_id: twilio.data.id } }), 404);
  const bad = await rejects(admin.adminCredentialsCreate({
    body: { credential_type: 'twilio', credentials: { twilio_sid: 'nope', twilio_token: 't', twilio_from_number: '+15550001111' } },
  }), 400);
  assert.match(bad.data.credentials.twilio_sid[0], /AC/);
});

test('trigger, the logs with their filters, and a resend', async () => {
  const before = Date.now() - 1000;
  await admin.adminNotificationsTriggerCreate({
    path: { notification_id: made.email.id }, body: { users: [USERS.thabo.id], data: { amount: 500 } },
  });
  const log = await eventually('the triggered email is sent', async () => {
    const logs = await admin.adminLogsList({ query: { notification: made.email.id } });
    return logs.data.results.find((l) => l.sent === true);
  });
  assert.equal(log.recipient, USERS.thabo.email);
  assert.equal(log.type, 'email');
  assert.equal(log.user, USERS.thabo.id);
  assert.match(log.text_message, /500 arrived/);
  const sent = await providerRequests('sendgrid');
  const mail = sent.find((r) => r.json?.personalizations?.[0]?.to?.[0]?.email === USERS.thabo.email);
  assert.ok(mail, "the company's SendGrid credential sent it");
  assert.equal(mail.json.from.email, 'no-reply@acme.example', "the company's system email is the sender");

  const filters = [
    [{ type__in: 'email,sms' }, (l) => ['email', 'sms'].includes(l.type)],
    [{ recipient__contains: 'THABO' }, (l) => l.recipient.includes('thabo')],
    [{ notification__name__contains: 'deposit em' }, (l) => l.notification === made.email.id],
    [{ notification__name: 'Deposit email' }, (l) => l.notification === made.email.id],
    [{ sent: true, created__gt: before }, (l) => l.sent],
    [{ user__identifier: USERS.thabo.id }, (l) => l.user === USERS.thabo.id],
    [{ recipient: USERS.thabo.email, type: 'email' }, (l) => l.recipient === USERS.thabo.email],
  ];
  for (const [query, holds] of filters) {
    const page = await admin.adminLogsList({ query });
    assert.ok(page.data.count >= 1, JSON.stringify(query));
    assert.equal(page.data.count, page.data.results.length);
    assert.ok(page.data.results.every(holds), JSON.stringify(query));
  }
  const none = await admin.adminLogsList({ query: { created__lt: before - 86400000 } });
  assert.equal(none.data.count, 0);
  const one = await admin.adminLogsRetrieve({ path: { log_id: log.id } });
  assert.equal(one.data.id, log.id);
  assert.equal(one.data.error_message, '');

  await admin.adminLogsSendCreate({ path: { log_id: log.id }, body: { recipient: 'ops@acme.example' } });
  await eventually('the resend is sent', async () => {
    const again = await admin.adminLogsList({ query: { recipient: 'ops@acme.example' } });
    return again.data.results.find((l) => l.sent);
  });
  await rejects(admin.adminLogsSendCreate({ path: { log_id: log.id }, body: { recipient: 'not an address' } }), 400);
});

test('a user: their notifications, preferences allowed and refused', async () => {
  const mine = await user.userNotificationsList();
  assert.equal(mine.data.count, mine.data.results.length, 'the count is of what the user can receive');
  assert.ok(!mine.data.results.some((n) => n.type === 'push'), 'push is off for the company');
  const names = mine.data.results.map((n) => n.name);
  assert.ok(names.includes('Deposit email') && names.includes('Deposit inbox'));
  const email = mine.data.results.find((n) => n.id === made.email.id);
  assert.equal(email.enabled, true);
  assert.equal(email.type, 'email');
  const filtered = await user.userNotificationsList({ query: { type: 'system' } });
  assert.ok(filtered.data.results.every((n) => n.type === 'system'));

  const off = await user.userNotificationsPartialUpdate({ path: { notification_id: made.email.id }, body: { enabled: false } });
  assert.equal(off.data.enabled, false);
  const read = await user.userNotificationsRetrieve({ path: { notification_id: made.email.id } });
  assert.equal(read.data.enabled, false);
  const other = await sdk(TOKENS.acmeUser2).userNotificationsRetrieve({ path: { notification_id: made.email.id } });
  assert.equal(other.data.enabled, true, "one user's preference is theirs alone");
  const back = await user.userNotificationsUpdate({ path: { notification_id: made.email.id }, body: { enabled: true } });
  assert.equal(back.data.enabled, true);

  const refused = await rejects(user.userNotificationsPartialUpdate({
    path: { notification_id: made.system.id }, body: { enabled: false },
  }), 400);
  assert.match(refused.message, /did not let users change/);
  const missing = await rejects(user.userNotificationsUpdate({ path: { notification_id: made.email.id }, body: {} }), 400);
  assert.deepEqual(missing.data.enabled, ['This field is required.']);
});

test("a user's inbox: read, marked received, filtered", async () => {
  await admin.adminNotificationsTriggerCreate({
    path: { notification_id: made.system.id }, body: { users: [USERS.thabo.id], data: { amount: 7 } },
  });
  const message = await eventually('the in-app message arrives', async () => {
    const inbox = await user.userLogsList({ query: { received: false } });
    return inbox.data.results.find((l) => l.notification === made.system.id);
  });
  assert.equal(message.received, false);
  assert.equal(message.text_message, 'You received 7.');
  assert.equal(message.subject, 'Deposit');
  const marked = await user.userLogsPartialUpdate({ path: { log_id: message.id }, body: { received: true } });
  assert.equal(marked.data.received, true);
  const unread = await user.userLogsList({ query: { received: false } });
  assert.ok(!unread.data.results.some((l) => l.id === message.id));
  const put = await user.userLogsUpdate({ path: { log_id: message.id }, body: { received: false } });
  assert.equal(put.data.received, false);
  const windowed = await user.userLogsList({ query: { created__gt: message.created - 1, created__lt: message.created + 1 } });
  assert.ok(windowed.data.results.some((l) => l.id === message.id));
  await rejects(sdk(TOKENS.acmeUser2).userLogsRetrieve({ path: { log_id: message.id } }), 404);
});

test('a text message with system_enabled also lands in the inbox', async () => {
  const code = await admin.adminNotificationsCreate({
    body: { type: 'sms', name: 'Code', event: 'mfa.sms.verify', sms_message: 'Your code is {{ code }}', system_enabled: true },
  });
  assert.equal(code.data.system_enabled, true);
  await admin.adminNotificationsTriggerCreate({
    path: { notification_id: code.data.id }, body: { users: [USERS.thabo.id], data: { code: '4242' } },
  });
  const sms = await eventually('the SMS itself is sent', async () =>
    (await admin.adminLogsList({ query: { notification: code.data.id, type: 'sms' } })).data.results.find((l) => l.sent));
  assert.equal(sms.recipient, '+447700900456');
  const copy = await eventually('the in-app copy arrives', async () =>
    (await user.userLogsList()).data.results.find((l) => l.notification === code.data.id && l.type === 'system'));
  assert.equal(copy.text_message, 'Your code is 4242');
  const others = await sdk(TOKENS.acmeUser2).userLogsList();
  assert.ok(!others.data.results.some((l) => l.notification === code.data.id));
});

test('a Liquid notification in a Liquid layout: saved, checked and sent in Liquid', async () => {
  const layout = await admin.adminLayoutsCreate({
    body: { name: 'Liquid SMS', type: 'sms', syntax: 'liquid', sms_layout: '{{ content }} -- {{ context.company.name | upcase }}' },
  });
  assert.equal(layout.data.syntax, 'liquid');
  const body = {
    type: 'sms', name: 'Codes', event: 'mfa.sms.verify', syntax: 'liquid', layout: layout.data.id,
    sms_message: "{% for c in codes %}{{ c | prepend: '#' }}{% unless forloop.last %}, {% endunless %}{% endfor %}",
    expression: "'{{ codes | size }}' == '2'",
  };
  const created = await admin.adminNotificationsCreate({ body });
  assert.equal(created.data.syntax, 'liquid');
  assert.equal(made.sms.syntax, 'django', 'the default, named');
  await admin.adminNotificationsTriggerCreate({
    path: { notification_id: created.data.id }, body: { users: [USERS.thabo.id], data: { codes: ['12', '34'] } },
  });
  const sms = await eventually('the Liquid SMS is sent', async () =>
    (await admin.adminLogsList({ query: { notification: created.data.id } })).data.results.find((l) => l.sent));
  assert.equal(sms.sms_message, '#12, #34 -- ACME PAY');

  const wrong = await rejects(admin.adminNotificationsCreate({ body: { ...body, syntax: 'jinja' } }), 400);
  assert.deepEqual(wrong.data.syntax, ['"jinja" is not a valid choice.']);
  const asDjango = await rejects(admin.adminNotificationsPartialUpdate({
    path: { notification_id: created.data.id }, body: { syntax: 'django' },
  }), 400);
  assert.ok(asDjango.data.sms_message, 'its Liquid template does not parse as Django');
  await admin.adminNotificationsDestroy({ path: { notification_id: created.data.id } });
  await admin.adminLayoutsDestroy({ path: { id: layout.data.id } });
});

test('another company sees 404 and a user token is refused on admin paths', async () => {
  await rejects(globex.adminNotificationsRetrieve({ path: { notification_id: made.email.id } }), 404);
  await rejects(globex.adminLayoutsRetrieve({ path: { id: made.layout.id } }), 404);
  const theirs = await globex.adminNotificationsList();
  assert.equal(theirs.data.count, 0);
  await rejects(user.adminNotificationsList(), 403);
  await rejects(user.adminCompanyRetrieve(), 403);
  await rejects(sdk('x'.repeat(64)).adminCompanyRetrieve(), 401);
});

test('a notification deleted is gone, its logs stay', async () => {
  await admin.adminNotificationsDestroy({ path: { notification_id: made.welcome.id } });
  await rejects(admin.adminNotificationsRetrieve({ path: { notification_id: made.welcome.id } }), 404);
  await admin.adminLayoutsDestroy({ path: { id: made.layout.id } });
  const email = await admin.adminNotificationsRetrieve({ path: { notification_id: made.email.id } });
  assert.equal(email.data.layout, null, 'a deleted layout leaves its notifications without one');
  await admin.adminCredentialsDestroy({ path: { credential_id: made.sendgrid.id } });
  const none = await admin.adminCredentialsList();
  assert.equal(none.data.count, 0);
});
