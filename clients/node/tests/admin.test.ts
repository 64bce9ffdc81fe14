// AdminClient against a running server: the notification lifecycle, paging and errors.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';

import { AdminClient, NotificationsError, NotificationType, StatusCode, type Notification } from '../src';
import { COMPANY, env, skipUnless, uniquePrefix } from './env';

describe('AdminClient', { skip: skipUnless('adminToken') }, () => {
  let admin: AdminClient;
  const created = new Set<string>();

  before(() => {
    admin = new AdminClient({ target: env.target, token: env.adminToken });
  });

  after(async () => {
    // Remove whatever a failing test left behind.
    for (const id of created) {
      await admin.deleteNotification(id).catch((err: unknown) => {
        if (!(err instanceof NotificationsError && err.code === StatusCode.NOT_FOUND)) throw err;
      });
    }
    admin.close();
  });

  async function create(name: string, extra: Partial<Notification> = {}): Promise<Notification> {
    const n = await admin.createNotification({
      type: NotificationType.NOTIFICATION_TYPE_EMAIL,
      name,
      description: 'made by the Node client tests',
      event: 'user.create',
      subject: 'Welcome',
      textMessage: 'Hello {{ user.first_name }}',
      enabled: false,
      ...extra,
    });
    created.add(n.id);
    return n;
  }

  it('reads the company', async () => {
    const company = await admin.getCompany();
    assert.equal(company.id, COMPANY);
    assert.equal(company.active, true);
  });

  it('creates, gets, updates with a mask, deletes, then cannot get', async () => {
    const name = `${uniquePrefix('crud')}welcome`;
    const n = await create(name);
    assert.match(n.id, /^[0-9a-f-]{36}$/);
    assert.equal(n.name, name);
    assert.equal(n.type, 'NOTIFICATION_TYPE_EMAIL');
    assert.equal(n.event, 'user.create');
    assert.ok(n.created && Number(n.created.seconds) > 0);

    const got = await admin.getNotification(n.id);
    assert.deepEqual(got, n);

    // Only the masked field changes: the subject given alongside is not read.
    const renamed = `${name}-renamed`;
    const updated = await admin.updateNotification({ id: n.id, name: renamed, subject: 'ignored' }, ['name']);
    assert.equal(updated.name, renamed);
    assert.equal(updated.subject, 'Welcome');
    assert.equal((await admin.getNotification(n.id)).name, renamed);

    // camelCase paths are accepted too.
    const toggled = await admin.updateNotification({ id: n.id, preferenceEnabled: true }, ['preferenceEnabled']);
    assert.equal(toggled.preferenceEnabled, true);

    await admin.deleteNotification(n.id);
    created.delete(n.id);

    await assert.rejects(admin.getNotification(n.id), (err: unknown) => {
      assert.ok(err instanceof NotificationsError);
      assert.equal(err.code, StatusCode.NOT_FOUND);
      assert.equal(err.codeName, 'NOT_FOUND');
      assert.equal(err.reason, 'NOTIFICATION_NOT_FOUND');
      assert.equal(err.domain, 'notifications.v1');
      assert.ok(err.message.length > 0);
      return true;
    });
  });

  it('iterates over every page, each notification once', async () => {
    const prefix = uniquePrefix('pages');
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) ids.add((await create(`${prefix}${i}`)).id);

    const seen: string[] = [];
    for await (const n of admin.notifications({ pageSize: 2, name: prefix })) seen.push(n.id);
    assert.equal(seen.length, 7);
    assert.deepEqual(new Set(seen), ids);

    // The one-page variant: two on the first page, a token for the next, the total across pages.
    const first = await admin.listNotifications({ pageSize: 2, name: prefix });
    assert.equal(first.notifications.length, 2);
    assert.notEqual(first.nextPageToken, '');
    assert.equal(first.totalSize, 7);
    const last = await admin.listNotifications({ pageSize: 10, name: prefix });
    assert.equal(last.notifications.length, 7);
    assert.equal(last.nextPageToken, '');

    // Leaving the loop early fetches no more pages and is not an error.
    let count = 0;
    for await (const _ of admin.notifications({ pageSize: 2, name: prefix })) if (++count === 3) break;
    assert.equal(count, 3);

    for (const id of ids) {
      await admin.deleteNotification(id);
      created.delete(id);
    }
  });

  it('rejects an invalid notification with INVALID_ARGUMENT naming the field', async () => {
    await assert.rejects(
      admin.createNotification({ type: NotificationType.NOTIFICATION_TYPE_EMAIL, name: uniquePrefix('invalid') }),
      (err: unknown) => {
        assert.ok(err instanceof NotificationsError);
        assert.equal(err.code, StatusCode.INVALID_ARGUMENT);
        assert.equal(err.codeName, 'INVALID_ARGUMENT');
        assert.equal(err.reason, 'INVALID_FIELD');
        assert.equal(err.field, 'event');
        return true;
      },
    );
  });

  it('rejects a bad page token', async () => {
    await assert.rejects(admin.listNotifications({ pageToken: 'not-a-token' }), {
      code: StatusCode.INVALID_ARGUMENT,
      reason: 'INVALID_PAGE_TOKEN',
    });
  });

  it('rejects a bad token with UNAUTHENTICATED', async () => {
    const stranger = new AdminClient({ target: env.target, token: 'not-a-real-token' });
    try {
      await assert.rejects(stranger.getCompany(), (err: unknown) => {
        assert.ok(err instanceof NotificationsError);
        assert.equal(err.code, StatusCode.UNAUTHENTICATED);
        assert.equal(err.codeName, 'UNAUTHENTICATED');
        assert.ok(err.reason, 'an ErrorInfo reason');
        return true;
      });
    } finally {
      stranger.close();
    }
  });

  it('lists and gets templates', async () => {
    const templates = await admin.templates();
    assert.ok(templates.length > 0);
    const first = await admin.getTemplate(templates[0].id);
    assert.deepEqual(first, templates[0]);
    assert.ok(first.notification?.event);
    const filtered = await admin.templates({ event: first.notification!.event });
    assert.ok(filtered.every((t) => t.notification?.event === first.notification!.event));
    await assert.rejects(admin.getTemplate('no_such_template'), { code: StatusCode.NOT_FOUND, reason: 'TEMPLATE_NOT_FOUND' });
  });

  it('creates, lists, updates and deletes a layout', async () => {
    const name = `${uniquePrefix('layout')}plain`;
    const layout = await admin.createLayout({ name, htmlMessage: '<div>{{ content }}</div>', textMessage: '{{ content }}' });
    try {
      assert.equal(layout.name, name);
      assert.deepEqual(await admin.getLayout(layout.id), layout);
      const found = [];
      for await (const l of admin.layouts({ pageSize: 1, name })) found.push(l.id);
      assert.deepEqual(found, [layout.id]);
      const updated = await admin.updateLayout({ id: layout.id, description: 'changed', name: 'ignored' }, ['description']);
      assert.equal(updated.description, 'changed');
      assert.equal(updated.name, name);
    } finally {
      await admin.deleteLayout(layout.id);
    }
    await assert.rejects(admin.getLayout(layout.id), { code: StatusCode.NOT_FOUND, reason: 'LAYOUT_NOT_FOUND' });
  });

  it('lists events and logs', async () => {
    const page = await admin.listEvents({ pageSize: 5, startTime: new Date(Date.now() - 86_400_000) });
    assert.equal(page.events.length, Math.min(5, page.totalSize));
    assert.equal(page.nextPageToken === '', page.totalSize <= 5);
    if (page.nextPageToken) {
      const next = await admin.listEvents({ pageSize: 5, startTime: new Date(Date.now() - 86_400_000), pageToken: page.nextPageToken });
      assert.equal(next.events.length, Math.min(5, page.totalSize - 5));
      const first = new Set(page.events.map((e) => e.id));
      assert.ok(next.events.every((e) => !first.has(e.id)), 'the second page goes on from the first');
    }
    const logs = await admin.listLogs({ pageSize: 5 });
    assert.equal(logs.logs.length, Math.min(5, logs.totalSize));
  });

  it('previews a notification without sending it', async () => {
    await assert.rejects(admin.previewNotification({ id: '00000000-0000-0000-0000-000000000000' }), {
      code: StatusCode.NOT_FOUND,
      reason: 'NOTIFICATION_NOT_FOUND',
    });
  });
});
