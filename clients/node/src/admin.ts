// AdminClient: everything a company's admins manage, through notifications.v1.AdminService.
import { BaseClient, paginate, present, type CallOptions, type ClientOptions, type PageOptions } from './base';
import { toMaskPaths, toStruct, toTimestamp, type JsonObject } from './convert';
import { loadApi } from './loader';
import type {
  Company,
  CompanyInput,
  Credential,
  CredentialInput,
  CredentialsPage,
  CredentialTypeInput,
  Event,
  EventsPage,
  EventStatusInput,
  Layout,
  LayoutInput,
  LayoutsPage,
  Log,
  LogsPage,
  LogStatusInput,
  Notification,
  NotificationInput,
  NotificationsPage,
  NotificationTypeInput,
  Preview,
  Template,
  TimestampInput,
  TriggerResult,
} from './types';
import type { AdminServiceClient } from './gen/notifications/v1/AdminService';
import type { ActivateResponse__Output } from './gen/notifications/v1/ActivateResponse';
import type { CreateCredentialResponse__Output } from './gen/notifications/v1/CreateCredentialResponse';
import type { CreateLayoutResponse__Output } from './gen/notifications/v1/CreateLayoutResponse';
import type { CreateNotificationResponse__Output } from './gen/notifications/v1/CreateNotificationResponse';
import type { DeactivateResponse__Output } from './gen/notifications/v1/DeactivateResponse';
import type { DeleteCredentialResponse__Output } from './gen/notifications/v1/DeleteCredentialResponse';
import type { DeleteLayoutResponse__Output } from './gen/notifications/v1/DeleteLayoutResponse';
import type { DeleteNotificationResponse__Output } from './gen/notifications/v1/DeleteNotificationResponse';
import type { GetCompanyResponse__Output } from './gen/notifications/v1/GetCompanyResponse';
import type { GetCredentialResponse__Output } from './gen/notifications/v1/GetCredentialResponse';
import type { GetEventResponse__Output } from './gen/notifications/v1/GetEventResponse';
import type { GetLayoutResponse__Output } from './gen/notifications/v1/GetLayoutResponse';
import type { GetLogResponse__Output } from './gen/notifications/v1/GetLogResponse';
import type { GetNotificationResponse__Output } from './gen/notifications/v1/GetNotificationResponse';
import type { GetTemplateResponse__Output } from './gen/notifications/v1/GetTemplateResponse';
import type { ListTemplatesResponse__Output } from './gen/notifications/v1/ListTemplatesResponse';
import type { ReplayEventResponse__Output } from './gen/notifications/v1/ReplayEventResponse';
import type { ResendLogResponse__Output } from './gen/notifications/v1/ResendLogResponse';
import type { RotateResponse__Output } from './gen/notifications/v1/RotateResponse';
import type { UpdateCompanyResponse__Output } from './gen/notifications/v1/UpdateCompanyResponse';
import type { UpdateCredentialResponse__Output } from './gen/notifications/v1/UpdateCredentialResponse';
import type { UpdateLayoutResponse__Output } from './gen/notifications/v1/UpdateLayoutResponse';
import type { UpdateNotificationResponse__Output } from './gen/notifications/v1/UpdateNotificationResponse';

/** How an AdminClient is set up. */
export interface AdminClientOptions extends ClientOptions {
  /** A platform token of a user in the company's `admin` or `service` group. */
  token: string;
}

/** Filters of `notifications()` and `listNotifications()`. */
export interface NotificationFilter {
  /** Only notifications of this event, such as "transaction.create". */
  event?: string;
  /** Only notifications of this channel. */
  type?: NotificationTypeInput;
  /** Only notifications whose name contains this text (case-insensitive). */
  name?: string;
  /** Only enabled (true) or disabled (false) notifications. */
  enabled?: boolean;
}

/** Filters of `layouts()` and `listLayouts()`. */
export interface LayoutFilter {
  /** Only layouts whose name contains this text (case-insensitive). */
  name?: string;
}

/** Filters of `credentials()` and `listCredentials()`. */
export interface CredentialFilter {
  /** Only credentials of this provider. */
  type?: CredentialTypeInput;
}

/** Filters of `templates()`. */
export interface TemplateFilter {
  /** Only templates of this event. */
  event?: string;
  /** Only templates of this channel. */
  type?: NotificationTypeInput;
}

/** A time filter: a Date, milliseconds since the epoch, or a google.protobuf.Timestamp. */
export type TimeInput = Date | number | TimestampInput;

/** Filters of `logs()` and `listLogs()`. */
export interface LogFilter {
  /** Only messages created at or after this time. */
  startTime?: TimeInput;
  /** Only messages created before this time. */
  endTime?: TimeInput;
  /** Only messages of this notification. */
  notificationId?: string;
  /** Only messages to this recipient (address, number or user id). */
  recipient?: string;
  /** Only messages of this channel. */
  type?: NotificationTypeInput;
  /** Only messages in this status. */
  status?: LogStatusInput;
  /** Only messages for this platform user. */
  userId?: string;
}

/** Filters of `events()` and `listEvents()`. */
export interface EventFilter {
  /** Only events of this name. */
  event?: string;
  /** Only events in this status. */
  status?: EventStatusInput;
  /** Only events received at or after this time. */
  startTime?: TimeInput;
  /** Only events received before this time. */
  endTime?: TimeInput;
}

/** What `previewNotification()` renders: an unsaved notification or a saved one's id, with event data. */
export type PreviewSource = ({ notification: NotificationInput } | { id: string }) & {
  /** The event data to render with, as a webhook's `data` would carry it. */
  data?: JsonObject;
};

/** Whom `triggerNotification()` sends to, and with what data. */
export interface TriggerOptions {
  /** Platform user ids to send to. */
  userIds?: string[];
  /** Platform group names whose users to send to. */
  groups?: string[];
  /** The data to render with, as a webhook's `data` would carry it. */
  data?: JsonObject;
}

function timeFilters<F extends { startTime?: TimeInput; endTime?: TimeInput }>(filter: F) {
  const { startTime, endTime, ...rest } = filter;
  return {
    ...rest,
    ...(startTime === undefined ? {} : { startTime: toTimestamp(startTime) }),
    ...(endTime === undefined ? {} : { endTime: toTimestamp(endTime) }),
  };
}

function mask(updateMask: readonly string[] | undefined) {
  return { paths: toMaskPaths(updateMask ?? []) };
}

/**
 * A company admin's client of AdminService. Every call is scoped to the token's company and rejects with a
 * NotificationsError on failure.
 *
 * ```ts
 * const admin = new AdminClient({ target: '127.0.0.1:50051', token });
 * for await (const n of admin.notifications({ pageSize: 50 })) console.log(n.name);
 * admin.close();
 * ```
 */
export class AdminClient extends BaseClient<AdminServiceClient> {
  private readonly token: string;

  constructor(options: AdminClientOptions) {
    if (!options || typeof options.token !== 'string' || options.token === '') {
      throw new TypeError('an admin token is required');
    }
    super(loadApi().notifications.v1.AdminService, options, `Token ${options.token}`);
    this.token = options.token;
  }

  // --- The extension's lifecycle, as the platform drives it ---

  /** Activates the extension for the token's company (idempotent); `token` defaults to this client's. */
  async activate(token: string = this.token, options?: CallOptions): Promise<Company> {
    const res = await this.call<ActivateResponse__Output>((m, o, cb) => this.stub.Activate({ token }, m, o, cb), options);
    return present(res.company, 'company');
  }

  /** Deactivates the extension for the token's company; with `purge`, deletes all of its data. */
  async deactivate(opts: { token?: string; purge?: boolean } = {}, options?: CallOptions): Promise<void> {
    const request = { token: opts.token ?? this.token, purge: opts.purge ?? false };
    await this.call<DeactivateResponse__Output>((m, o, cb) => this.stub.Deactivate(request, m, o, cb), options);
  }

  /** Replaces the company's stored platform token with `newToken`. */
  async rotate(newToken: string, options?: CallOptions): Promise<void> {
    await this.call<RotateResponse__Output>((m, o, cb) => this.stub.Rotate({ token: newToken }, m, o, cb), options);
  }

  // --- Company ---

  /** The caller's company and its settings. */
  async getCompany(options?: CallOptions): Promise<Company> {
    const res = await this.call<GetCompanyResponse__Output>((m, o, cb) => this.stub.GetCompany({}, m, o, cb), options);
    return present(res.company, 'company');
  }

  /** Changes the company settings named in `updateMask` (every non-default field when empty). */
  async updateCompany(company: CompanyInput, updateMask?: readonly string[], options?: CallOptions): Promise<Company> {
    const request = { company, updateMask: mask(updateMask) };
    const res = await this.call<UpdateCompanyResponse__Output>(
      (m, o, cb) => this.stub.UpdateCompany(request, m, o, cb),
      options,
    );
    return present(res.company, 'company');
  }

  // --- Notifications ---

  /**
   * Creates a notification (`type`, `name` and `event` are required). A `requestId` makes retries safe:
   * a retry with the same one returns the first result.
   */
  async createNotification(
    notification: NotificationInput,
    opts: { requestId?: string } & CallOptions = {},
  ): Promise<Notification> {
    const request = { notification, requestId: opts.requestId ?? '' };
    const res = await this.call<CreateNotificationResponse__Output>(
      (m, o, cb) => this.stub.CreateNotification(request, m, o, cb),
      opts,
    );
    return present(res.notification, 'notification');
  }

  /** One notification; rejects with NOT_FOUND (NOTIFICATION_NOT_FOUND) if there is none with that id. */
  async getNotification(id: string, options?: CallOptions): Promise<Notification> {
    const res = await this.call<GetNotificationResponse__Output>(
      (m, o, cb) => this.stub.GetNotification({ id }, m, o, cb),
      options,
    );
    return present(res.notification, 'notification');
  }

  /** Every notification that matches the filters, fetching pages of `pageSize` as the loop goes. */
  notifications(filter: NotificationFilter & { pageSize?: number } = {}, options?: CallOptions): AsyncGenerator<Notification, void, undefined> {
    return paginate(
      (pageToken) => this.listNotifications({ ...filter, pageToken }, options),
      (page) => page.notifications,
    );
  }

  /** One page of notifications, with `nextPageToken` (empty on the last page) and `totalSize`. */
  listNotifications(request: NotificationFilter & PageOptions = {}, options?: CallOptions): Promise<NotificationsPage> {
    return this.call<NotificationsPage>((m, o, cb) => this.stub.ListNotifications(request, m, o, cb), options);
  }

  /**
   * Changes the fields of notification `notification.id` named in `updateMask` ("name", "enabled",
   * "preferenceEnabled" or "preference_enabled", ...); an empty mask means every non-default field.
   */
  async updateNotification(
    notification: NotificationInput & { id: string },
    updateMask?: readonly string[],
    options?: CallOptions,
  ): Promise<Notification> {
    const request = { notification, updateMask: mask(updateMask) };
    const res = await this.call<UpdateNotificationResponse__Output>(
      (m, o, cb) => this.stub.UpdateNotification(request, m, o, cb),
      options,
    );
    return present(res.notification, 'notification');
  }

  /** Deletes a notification; its logs stay. */
  async deleteNotification(id: string, options?: CallOptions): Promise<void> {
    await this.call<DeleteNotificationResponse__Output>((m, o, cb) => this.stub.DeleteNotification({ id }, m, o, cb), options);
  }

  /** Renders a saved or unsaved notification against `data` without sending anything. */
  previewNotification(source: PreviewSource, options?: CallOptions): Promise<Preview> {
    const request = {
      ...('id' in source ? { id: source.id } : { notification: source.notification }),
      ...(source.data ? { data: toStruct(source.data) } : {}),
    };
    return this.call<Preview>((m, o, cb) => this.stub.PreviewNotification(request, m, o, cb), options);
  }

  /** Sends saved notification `id` now to the given users or groups; answers the event and queued logs. */
  triggerNotification(id: string, to: TriggerOptions, options?: CallOptions): Promise<TriggerResult> {
    const request = {
      id,
      userIds: to.userIds ?? [],
      groups: to.groups ?? [],
      ...(to.data ? { data: toStruct(to.data) } : {}),
    };
    return this.call<TriggerResult>((m, o, cb) => this.stub.TriggerNotification(request, m, o, cb), options);
  }

  // --- Templates ---

  /** The ready-made templates shipped with the extension (one call: this list is not paged). */
  async templates(filter: TemplateFilter = {}, options?: CallOptions): Promise<Template[]> {
    const res = await this.call<ListTemplatesResponse__Output>((m, o, cb) => this.stub.ListTemplates(filter, m, o, cb), options);
    return res.templates;
  }

  /** One template by its slug, such as "password_reset_email". */
  async getTemplate(id: string, options?: CallOptions): Promise<Template> {
    const res = await this.call<GetTemplateResponse__Output>((m, o, cb) => this.stub.GetTemplate({ id }, m, o, cb), options);
    return present(res.template, 'template');
  }

  // --- Layouts ---

  /** Creates a layout (`name` is required). */
  async createLayout(layout: LayoutInput, options?: CallOptions): Promise<Layout> {
    const res = await this.call<CreateLayoutResponse__Output>((m, o, cb) => this.stub.CreateLayout({ layout }, m, o, cb), options);
    return present(res.layout, 'layout');
  }

  /** One layout. */
  async getLayout(id: string, options?: CallOptions): Promise<Layout> {
    const res = await this.call<GetLayoutResponse__Output>((m, o, cb) => this.stub.GetLayout({ id }, m, o, cb), options);
    return present(res.layout, 'layout');
  }

  /** Every layout that matches, fetching pages as the loop goes. */
  layouts(filter: LayoutFilter & { pageSize?: number } = {}, options?: CallOptions): AsyncGenerator<Layout, void, undefined> {
    return paginate(
      (pageToken) => this.listLayouts({ ...filter, pageToken }, options),
      (page) => page.layouts,
    );
  }

  /** One page of layouts. */
  listLayouts(request: LayoutFilter & PageOptions = {}, options?: CallOptions): Promise<LayoutsPage> {
    return this.call<LayoutsPage>((m, o, cb) => this.stub.ListLayouts(request, m, o, cb), options);
  }

  /** Changes the fields of layout `layout.id` named in `updateMask`. */
  async updateLayout(
    layout: LayoutInput & { id: string },
    updateMask?: readonly string[],
    options?: CallOptions,
  ): Promise<Layout> {
    const request = { layout, updateMask: mask(updateMask) };
    const res = await this.call<UpdateLayoutResponse__Output>((m, o, cb) => this.stub.UpdateLayout(request, m, o, cb), options);
    return present(res.layout, 'layout');
  }

  /** Deletes a layout; notifications that used it are left without one. */
  async deleteLayout(id: string, options?: CallOptions): Promise<void> {
    await this.call<DeleteLayoutResponse__Output>((m, o, cb) => this.stub.DeleteLayout({ id }, m, o, cb), options);
  }

  // --- Credentials ---

  /** Creates a provider credential: give exactly one of `smtp`, `sendgrid`, `twilio` or `fcm`. */
  async createCredential(credential: CredentialInput, options?: CallOptions): Promise<Credential> {
    const res = await this.call<CreateCredentialResponse__Output>(
      (m, o, cb) => this.stub.CreateCredential({ credential }, m, o, cb),
      options,
    );
    return present(res.credential, 'credential');
  }

  /** One credential, secrets masked. */
  async getCredential(id: string, options?: CallOptions): Promise<Credential> {
    const res = await this.call<GetCredentialResponse__Output>((m, o, cb) => this.stub.GetCredential({ id }, m, o, cb), options);
    return present(res.credential, 'credential');
  }

  /** Every credential that matches, secrets masked, fetching pages as the loop goes. */
  credentials(filter: CredentialFilter & { pageSize?: number } = {}, options?: CallOptions): AsyncGenerator<Credential, void, undefined> {
    return paginate(
      (pageToken) => this.listCredentials({ ...filter, pageToken }, options),
      (page) => page.credentials,
    );
  }

  /** One page of credentials. */
  listCredentials(request: CredentialFilter & PageOptions = {}, options?: CallOptions): Promise<CredentialsPage> {
    return this.call<CredentialsPage>((m, o, cb) => this.stub.ListCredentials(request, m, o, cb), options);
  }

  /** Changes the fields of credential `credential.id` named in `updateMask`, e.g. ["twilio.authToken"]. */
  async updateCredential(
    credential: CredentialInput & { id: string },
    updateMask?: readonly string[],
    options?: CallOptions,
  ): Promise<Credential> {
    const request = { credential, updateMask: mask(updateMask) };
    const res = await this.call<UpdateCredentialResponse__Output>(
      (m, o, cb) => this.stub.UpdateCredential(request, m, o, cb),
      options,
    );
    return present(res.credential, 'credential');
  }

  /** Deletes a credential; its provider falls back to the server's defaults. */
  async deleteCredential(id: string, options?: CallOptions): Promise<void> {
    await this.call<DeleteCredentialResponse__Output>((m, o, cb) => this.stub.DeleteCredential({ id }, m, o, cb), options);
  }

  // --- Logs ---

  /** Every message that matches, newest first, fetching pages as the loop goes. */
  logs(filter: LogFilter & { pageSize?: number } = {}, options?: CallOptions): AsyncGenerator<Log, void, undefined> {
    return paginate(
      (pageToken) => this.listLogs({ ...filter, pageToken }, options),
      (page) => page.logs,
    );
  }

  /** One page of messages, newest first, without their attempts. */
  listLogs(request: LogFilter & PageOptions = {}, options?: CallOptions): Promise<LogsPage> {
    const req = timeFilters(request);
    return this.call<LogsPage>((m, o, cb) => this.stub.ListLogs(req, m, o, cb), options);
  }

  /** One message with its attempts. */
  async getLog(id: string, options?: CallOptions): Promise<Log> {
    const res = await this.call<GetLogResponse__Output>((m, o, cb) => this.stub.GetLog({ id }, m, o, cb), options);
    return present(res.log, 'log');
  }

  /** Sends message `id` again, to its recipient or to `recipient`, as a new log. */
  async resendLog(id: string, recipient = '', options?: CallOptions): Promise<Log> {
    const res = await this.call<ResendLogResponse__Output>(
      (m, o, cb) => this.stub.ResendLog({ id, recipient }, m, o, cb),
      options,
    );
    return present(res.log, 'log');
  }

  // --- Events ---

  /** Every event received that matches, newest first, fetching pages as the loop goes. */
  events(filter: EventFilter & { pageSize?: number } = {}, options?: CallOptions): AsyncGenerator<Event, void, undefined> {
    return paginate(
      (pageToken) => this.listEvents({ ...filter, pageToken }, options),
      (page) => page.events,
    );
  }

  /** One page of events, newest first. */
  listEvents(request: EventFilter & PageOptions = {}, options?: CallOptions): Promise<EventsPage> {
    const req = timeFilters(request);
    return this.call<EventsPage>((m, o, cb) => this.stub.ListEvents(req, m, o, cb), options);
  }

  /** One event, by the server's id of it. */
  async getEvent(id: string, options?: CallOptions): Promise<Event> {
    const res = await this.call<GetEventResponse__Output>((m, o, cb) => this.stub.GetEvent({ id }, m, o, cb), options);
    return present(res.event, 'event');
  }

  /** Processes a stored event again; deliveries it already produced are not repeated. */
  async replayEvent(id: string, options?: CallOptions): Promise<Event> {
    const res = await this.call<ReplayEventResponse__Output>((m, o, cb) => this.stub.ReplayEvent({ id }, m, o, cb), options);
    return present(res.event, 'event');
  }
}
