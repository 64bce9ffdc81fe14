// WebhookClient: hands the platform's webhook events to notifications.v1.WebhookService.
import { BaseClient, type CallOptions, type ClientOptions } from './base';
import type { JsonObject } from './convert';
import { loadApi } from './loader';
import type { ReceiveEventResult } from './types';
import type { WebhookServiceClient } from './gen/notifications/v1/WebhookService';

/** How a WebhookClient is set up. */
export interface WebhookClientOptions extends ClientOptions {
  /** The company's webhook secret, as the server issued it at activation. */
  secret: string;
}

/** A platform webhook event: `{"id", "event", "company", "data"}`. */
export interface WebhookEvent {
  /** The platform's id of the event, shared by every retry of it. */
  id: string;
  /** The event name, such as "user.create". */
  event: string;
  /** The company's id, such as "acme". */
  company: string;
  /** The event's data. */
  data: JsonObject;
  /** Anything else the platform sent along is passed through. */
  [key: string]: unknown;
}

/**
 * The webhook side: sends platform events to the server exactly as the platform posts them. Rejects with a
 * NotificationsError on failure (UNAUTHENTICATED for a wrong secret, INVALID_ARGUMENT for a malformed
 * event, RESOURCE_EXHAUSTED with `retryAfterSeconds` when rate-limited).
 */
export class WebhookClient extends BaseClient<WebhookServiceClient> {
  constructor(options: WebhookClientOptions) {
    if (!options || typeof options.secret !== 'string' || options.secret === '') {
      throw new TypeError('a webhook secret is required');
    }
    super(loadApi().notifications.v1.WebhookService, options, `Secret ${options.secret}`);
  }

  /**
   * Stores an event. Give the event as an object (sent as its JSON) or as the raw JSON body the platform
   * posted (a Buffer, Uint8Array or string), which is passed on byte for byte. Resolves with the server's
   * id of the event, whether this copy was a `duplicate` of one already stored, and whether it is
   * `ignored` (no notification can handle its name).
   */
  receiveEvent(event: WebhookEvent | Uint8Array | string, options?: CallOptions): Promise<ReceiveEventResult> {
    let payload: Buffer;
    if (typeof event === 'string') payload = Buffer.from(event, 'utf8');
    else if (event instanceof Uint8Array) payload = Buffer.from(event.buffer, event.byteOffset, event.byteLength);
    else payload = Buffer.from(JSON.stringify(event), 'utf8');
    return this.call<ReceiveEventResult>((m, o, cb) => this.stub.ReceiveEvent({ payload }, m, o, cb), options);
  }
}
