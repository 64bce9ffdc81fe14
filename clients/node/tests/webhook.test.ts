// WebhookClient against a running server: events are stored once, duplicates are recognised.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { AdminClient, fromStruct, NotificationsError, StatusCode, WebhookClient } from '../src';
import { COMPANY, env, skipUnless } from './env';

describe('WebhookClient', { skip: skipUnless('webhookSecret') }, () => {
  let webhook: WebhookClient;

  before(() => {
    webhook = new WebhookClient({ target: env.target, secret: env.webhookSecret });
  });

  after(() => webhook.close());

  it('stores an event once and recognises its duplicate', async () => {
    const event = {
      id: `node-test-${randomUUID()}`,
      event: 'user.create',
      company: COMPANY,
      data: { id: randomUUID(), email: 'node-test@example.com', first_name: 'Node' },
    };
    const first = await webhook.receiveEvent(event);
    assert.equal(first.duplicate, false);
    assert.ok(first.id);

    const again = await webhook.receiveEvent(event);
    assert.equal(again.duplicate, true);
    assert.equal(again.id, first.id);

    // The raw body, as the platform posted it, is the same event.
    const raw = await webhook.receiveEvent(Buffer.from(JSON.stringify(event)));
    assert.equal(raw.duplicate, true);
    assert.equal(raw.id, first.id);

    if (env.adminToken) {
      const admin = new AdminClient({ target: env.target, token: env.adminToken });
      try {
        const stored = await admin.getEvent(first.id);
        assert.equal(stored.eventId, event.id);
        assert.equal(stored.event, 'user.create');
        assert.deepEqual(fromStruct(stored.data), event.data);
      } finally {
        admin.close();
      }
    }
  });

  it('rejects a malformed event with INVALID_ARGUMENT', async () => {
    await assert.rejects(webhook.receiveEvent('{"id": 1'), (err: unknown) => {
      assert.ok(err instanceof NotificationsError);
      assert.equal(err.code, StatusCode.INVALID_ARGUMENT);
      assert.equal(err.reason, 'WEBHOOK_PAYLOAD_INVALID');
      return true;
    });
  });

  it('rejects a wrong secret with UNAUTHENTICATED', async () => {
    const stranger = new WebhookClient({ target: env.target, secret: 'not-the-secret' });
    try {
      const event = { id: `node-test-${randomUUID()}`, event: 'user.create', company: COMPANY, data: {} };
      await assert.rejects(stranger.receiveEvent(event), {
        code: StatusCode.UNAUTHENTICATED,
        reason: 'WEBHOOK_SECRET_INVALID',
      });
    } finally {
      stranger.close();
    }
  });
});
