// Tests that need no notification-server: error decoding, conversions, paging, and the call plumbing
// against a fake WebhookService served in this process.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';

import {
  AdminClient,
  decodeStatus,
  fromStruct,
  NotificationsError,
  paginate,
  StatusCode,
  statusCodeName,
  timestampToDate,
  toMaskPaths,
  toStruct,
  toTimestamp,
  UserClient,
  WebhookClient,
} from '../src';
import { loadApi, loadErrorTypes } from '../src/loader';

/** A serialized google.rpc.Status with an ErrorInfo and, optionally, a RetryInfo. */
function statusBytes(opts: { code: number; message: string; reason: string; field?: string; retrySeconds?: number }): Buffer {
  const types = loadErrorTypes();
  const details = [
    {
      type_url: 'type.googleapis.com/google.rpc.ErrorInfo',
      value: types.errorInfo
        .encode(
          types.errorInfo.fromObject({
            reason: opts.reason,
            domain: 'notifications.v1',
            metadata: opts.field ? { field: opts.field } : {},
          }),
        )
        .finish(),
    },
  ];
  if (opts.retrySeconds !== undefined) {
    details.push({
      type_url: 'type.googleapis.com/google.rpc.RetryInfo',
      value: types.retryInfo
        .encode(types.retryInfo.fromObject({ retry_delay: { seconds: opts.retrySeconds, nanos: 500_000_000 } }))
        .finish(),
    });
  }
  const status = types.status.fromObject({ code: opts.code, message: opts.message, details });
  return Buffer.from(types.status.encode(status).finish());
}

describe('error decoding', () => {
  it('decodes a google.rpc.Status with ErrorInfo and RetryInfo', () => {
    const decoded = decodeStatus(
      statusBytes({ code: 3, message: 'name: required', reason: 'INVALID_FIELD', field: 'name', retrySeconds: 2 }),
    );
    assert.deepEqual(decoded, {
      code: 3,
      message: 'name: required',
      reason: 'INVALID_FIELD',
      domain: 'notifications.v1',
      metadata: { field: 'name' },
      retryAfterSeconds: 2.5,
    });
  });

  it('builds a NotificationsError from a grpc-js error', () => {
    const metadata = new grpc.Metadata();
    metadata.set('grpc-status-details-bin', statusBytes({ code: 5, message: 'No such notification.', reason: 'NOTIFICATION_NOT_FOUND' }));
    const serviceError = Object.assign(new Error('5 NOT_FOUND: No such notification.'), {
      code: 5,
      details: 'No such notification.',
      metadata,
    });
    const err = NotificationsError.fromServiceError(serviceError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'NotificationsError');
    assert.equal(err.code, StatusCode.NOT_FOUND);
    assert.equal(err.codeName, 'NOT_FOUND');
    assert.equal(err.message, 'No such notification.');
    assert.equal(err.reason, 'NOTIFICATION_NOT_FOUND');
    assert.equal(err.field, undefined);
    assert.equal(err.retryAfterSeconds, undefined);
    assert.equal(String(err), 'NOT_FOUND: No such notification. (NOTIFICATION_NOT_FOUND)');
  });

  it('keeps code and message when there are no details or they do not decode', () => {
    const metadata = new grpc.Metadata();
    metadata.set('grpc-status-details-bin', Buffer.from([0xff, 0xff, 0xff]));
    const err = NotificationsError.fromServiceError(
      Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14, details: 'down', metadata }),
    );
    assert.equal(err.codeName, 'UNAVAILABLE');
    assert.equal(err.message, 'down');
    assert.equal(err.reason, undefined);
    assert.equal(statusCodeName(99), 'UNKNOWN_CODE_99');
  });
});

describe('conversions', () => {
  it('turns camelCase mask paths into the .proto names', () => {
    assert.deepEqual(toMaskPaths(['name', 'preferenceEnabled', 'text_message', 'twilio.authToken']), [
      'name',
      'preference_enabled',
      'text_message',
      'twilio.auth_token',
    ]);
  });

  it('converts objects to Structs and back', () => {
    const data = { id: 'u1', amount: 12.5, tags: ['a', true], nested: { none: null } };
    assert.deepEqual(toStruct(data), {
      fields: {
        id: { stringValue: 'u1' },
        amount: { numberValue: 12.5 },
        tags: { listValue: { values: [{ stringValue: 'a' }, { boolValue: true }] } },
        nested: { structValue: { fields: { none: { nullValue: 'NULL_VALUE' } } } },
      },
    });
    // As the client decodes a Struct from the wire: each Value names its set member in `kind`.
    const decoded = {
      fields: {
        id: { stringValue: 'u1', kind: 'stringValue' as const },
        amount: { numberValue: 12.5, kind: 'numberValue' as const },
        tags: {
          listValue: {
            values: [
              { stringValue: 'a', kind: 'stringValue' as const },
              { boolValue: true, kind: 'boolValue' as const },
            ],
          },
          kind: 'listValue' as const,
        },
        nested: {
          structValue: { fields: { none: { nullValue: 'NULL_VALUE' as const, kind: 'nullValue' as const } } },
          kind: 'structValue' as const,
        },
      },
    };
    assert.deepEqual(fromStruct(decoded), data);
    assert.deepEqual(fromStruct(null), {});
  });

  it('converts Dates to Timestamps and back', () => {
    const when = new Date('2024-05-06T07:08:09.123Z');
    const ts = toTimestamp(when);
    assert.deepEqual(ts, { seconds: String(Math.floor(when.getTime() / 1000)), nanos: 123_000_000 });
    assert.equal(timestampToDate({ seconds: String(ts.seconds), nanos: ts.nanos ?? 0 })!.toISOString(), when.toISOString());
    assert.equal(timestampToDate(null), undefined);
  });
});

describe('paginate', () => {
  it('follows next page tokens until an empty one', async () => {
    const pages: Record<string, { items: number[]; nextPageToken: string }> = {
      '': { items: [1, 2], nextPageToken: 'b' },
      b: { items: [3, 4], nextPageToken: 'c' },
      c: { items: [5], nextPageToken: '' },
    };
    const asked: string[] = [];
    const seen: number[] = [];
    for await (const item of paginate(
      async (token) => {
        asked.push(token);
        return pages[token];
      },
      (page) => page.items,
    )) {
      seen.push(item);
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.deepEqual(asked, ['', 'b', 'c']);
  });

  it('stops on a repeated token', async () => {
    const loop = paginate(
      async () => ({ items: [1], nextPageToken: 'same' }),
      (page) => page.items,
    );
    await assert.rejects(async () => {
      for await (const _ of loop);
    }, { code: StatusCode.INTERNAL });
  });
});

describe('client plumbing against a fake server', () => {
  let server: grpc.Server;
  let target = '';
  const received: { authorization: string; payload: string }[] = [];

  before(async () => {
    server = new grpc.Server();
    server.addService(loadApi().notifications.v1.WebhookService.service, {
      ReceiveEvent(call: grpc.ServerUnaryCall<{ payload: Buffer }, unknown>, callback: grpc.sendUnaryData<unknown>) {
        const payload = call.request.payload.toString('utf8');
        received.push({ authorization: String(call.metadata.get('authorization')[0]), payload });
        if (payload.includes('"slow"')) {
          setTimeout(() => callback(null, { id: 'late', duplicate: false, ignored: false }), 1_000);
          return;
        }
        if (payload.includes('"limited"')) {
          const trailers = new grpc.Metadata();
          trailers.set(
            'grpc-status-details-bin',
            statusBytes({ code: 8, message: 'Too many events.', reason: 'RATE_LIMITED', retrySeconds: 3 }),
          );
          callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'Too many events.', metadata: trailers });
          return;
        }
        callback(null, { id: 'e1', duplicate: false, ignored: true });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    target = `127.0.0.1:${port}`;
  });

  after(() => server.forceShutdown());

  it('sends the secret and the payload byte for byte', async () => {
    const client = new WebhookClient({ target, secret: 's3cret' });
    try {
      const body = '{"id":"1","event":"user.create","company":"acme","data":{"n":1.50}}';
      const res = await client.receiveEvent(body);
      assert.deepEqual(res, { id: 'e1', duplicate: false, ignored: true });
      await client.receiveEvent({ id: '2', event: 'user.create', company: 'acme', data: { a: [1] } });
      assert.deepEqual(received.slice(-2), [
        { authorization: 'Secret s3cret', payload: body },
        { authorization: 'Secret s3cret', payload: '{"id":"2","event":"user.create","company":"acme","data":{"a":[1]}}' },
      ]);
    } finally {
      client.close();
    }
  });

  it('rejects with DEADLINE_EXCEEDED when the deadline passes', async () => {
    const client = new WebhookClient({ target, secret: 's', timeoutMs: 100 });
    try {
      const started = Date.now();
      await assert.rejects(client.receiveEvent('{"slow": true}'), {
        name: 'NotificationsError',
        code: StatusCode.DEADLINE_EXCEEDED,
        codeName: 'DEADLINE_EXCEEDED',
      });
      assert.ok(Date.now() - started < 900, 'rejected at the deadline, not at the answer');
      // A per-call deadline overrides the client's.
      const res = await client.receiveEvent('{"slow": true}', { timeoutMs: 5_000 });
      assert.equal(res.id, 'late');
    } finally {
      client.close();
    }
  });

  it('cancels a call when its signal aborts', async () => {
    const client = new WebhookClient({ target, secret: 's' });
    try {
      const controller = new AbortController();
      const pending = client.receiveEvent('{"slow": true}', { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(pending, { code: StatusCode.CANCELLED });
    } finally {
      client.close();
    }
  });

  it('reads RetryInfo into retryAfterSeconds', async () => {
    const client = new WebhookClient({ target, secret: 's' });
    try {
      await assert.rejects(client.receiveEvent('{"limited": true}'), {
        code: StatusCode.RESOURCE_EXHAUSTED,
        reason: 'RATE_LIMITED',
        retryAfterSeconds: 3.5,
      });
    } finally {
      client.close();
    }
  });

  it('rejects with UNAVAILABLE when nothing listens', async () => {
    // Port 1 on loopback: nothing listens there.
    const client = new AdminClient({ target: '127.0.0.1:1', token: 't', timeoutMs: 3_000 });
    try {
      await assert.rejects(client.getCompany(), { code: StatusCode.UNAVAILABLE });
    } finally {
      client.close();
    }
  });

  it('checks its options', () => {
    assert.throws(() => new AdminClient({ target: '', token: 't' }), TypeError);
    assert.throws(() => new UserClient({ target: 'x:1', token: '' }), TypeError);
    assert.throws(() => new WebhookClient({ target: 'x:1', secret: '' }), TypeError);
    assert.throws(() => new WebhookClient({ target: 'x:1', secret: 's', timeoutMs: -1 }), RangeError);
  });
});
