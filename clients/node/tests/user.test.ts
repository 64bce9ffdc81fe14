// UserClient against a running server: the user's view of notifications, preferences and devices.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { AdminClient, DevicePlatform, NotificationsError, NotificationType, StatusCode, UserClient } from '../src';
import { env, skipUnless, uniquePrefix } from './env';

describe('UserClient', { skip: skipUnless('adminToken', 'userToken') }, () => {
  let admin: AdminClient;
  let user: UserClient;
  let notificationId = '';
  let name = '';

  before(async () => {
    admin = new AdminClient({ target: env.target, token: env.adminToken });
    user = new UserClient({ target: env.target, token: env.userToken });
    // An in-app notification users may opt out of, on an event nothing in these tests sends.
    name = `${uniquePrefix('user')}inbox`;
    const n = await admin.createNotification({
      type: NotificationType.NOTIFICATION_TYPE_SYSTEM,
      name,
      event: 'user.password.reset',
      subject: 'Password reset',
      textMessage: 'Your password was reset.',
      enabled: true,
      preferenceEnabled: true,
    });
    notificationId = n.id;
  });

  after(async () => {
    if (notificationId) await admin.deleteNotification(notificationId);
    admin.close();
    user.close();
  });

  it('lists the notifications the user can receive', async () => {
    const mine = [];
    for await (const n of user.notifications({ pageSize: 2 })) mine.push(n);
    const ours = mine.find((n) => n.id === notificationId);
    assert.ok(ours, 'the enabled notification is listed');
    assert.equal(ours.name, name);
    assert.equal(ours.enabled, true);
    assert.equal(ours.preferenceEnabled, true);
    assert.equal(new Set(mine.map((n) => n.id)).size, mine.length, 'each notification once');

    const page = await user.listNotifications({ type: NotificationType.NOTIFICATION_TYPE_SYSTEM });
    assert.ok(page.notifications.every((n) => n.type === 'NOTIFICATION_TYPE_SYSTEM'));
  });

  it('gets a notification and changes the preference', async () => {
    assert.equal((await user.getNotification(notificationId)).enabled, true);
    const off = await user.updateNotificationPreference(notificationId, false);
    assert.equal(off.enabled, false);
    assert.equal((await user.getNotification(notificationId)).enabled, false);
    const on = await user.updateNotificationPreference(notificationId, true);
    assert.equal(on.enabled, true);
  });

  it('rejects an unknown notification with NOT_FOUND', async () => {
    await assert.rejects(user.getNotification(randomUUID()), {
      code: StatusCode.NOT_FOUND,
      reason: 'NOTIFICATION_NOT_FOUND',
    });
  });

  it('registers, lists and removes a device', async () => {
    const token = `node-test-${randomUUID()}`;
    const device = await user.registerDevice({ platform: DevicePlatform.DEVICE_PLATFORM_WEB, token, name: 'node test' });
    try {
      assert.equal(device.token, token);
      assert.equal(device.platform, 'DEVICE_PLATFORM_WEB');
      const ids = [];
      for await (const d of user.devices({ pageSize: 1 })) ids.push(d.id);
      assert.ok(ids.includes(device.id));
    } finally {
      await user.deleteDevice(device.id);
    }
    await assert.rejects(user.deleteDevice(device.id), { code: StatusCode.NOT_FOUND, reason: 'DEVICE_NOT_FOUND' });
  });

  it('reads the inbox', async () => {
    const page = await user.listLogs({ pageSize: 5, type: NotificationType.NOTIFICATION_TYPE_SYSTEM });
    assert.equal(page.logs.length, Math.min(5, page.totalSize));
    assert.ok(page.logs.every((l) => l.type === 'NOTIFICATION_TYPE_SYSTEM'), 'only the inbox');
  });

  it('rejects a bad token with UNAUTHENTICATED', async () => {
    const stranger = new UserClient({ target: env.target, token: 'not-a-real-token' });
    try {
      await assert.rejects(stranger.listNotifications(), (err: unknown) => {
        assert.ok(err instanceof NotificationsError);
        assert.equal(err.codeName, 'UNAUTHENTICATED');
        return true;
      });
    } finally {
      stranger.close();
    }
  });
});
