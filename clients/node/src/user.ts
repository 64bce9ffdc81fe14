// UserClient: a platform user's own notifications, preferences, inbox and devices, through
// notifications.v1.UserService.
import { BaseClient, paginate, present, type CallOptions, type ClientOptions, type PageOptions } from './base';
import { toMaskPaths } from './convert';
import { loadApi } from './loader';
import type {
  Device,
  DeviceInput,
  DevicesPage,
  Log,
  LogInput,
  NotificationTypeInput,
  UserLogsPage,
  UserNotification,
  UserNotificationsPage,
} from './types';
import type { UserServiceClient } from './gen/notifications/v1/UserService';
import type { DeleteDeviceResponse__Output } from './gen/notifications/v1/DeleteDeviceResponse';
import type { GetUserLogResponse__Output } from './gen/notifications/v1/GetUserLogResponse';
import type { GetUserNotificationResponse__Output } from './gen/notifications/v1/GetUserNotificationResponse';
import type { RegisterDeviceResponse__Output } from './gen/notifications/v1/RegisterDeviceResponse';
import type { UpdateNotificationPreferenceResponse__Output } from './gen/notifications/v1/UpdateNotificationPreferenceResponse';
import type { UpdateUserLogResponse__Output } from './gen/notifications/v1/UpdateUserLogResponse';

/** How a UserClient is set up. */
export interface UserClientOptions extends ClientOptions {
  /** The platform token of any user of an activated company. */
  token: string;
}

/** Filters of the user's `notifications()` and `listNotifications()`. */
export interface UserNotificationFilter {
  /** Only notifications of this channel. */
  type?: NotificationTypeInput;
}

/** Filters of the user's `logs()` and `listLogs()`. */
export interface UserLogFilter {
  /** Only messages of this channel (NOTIFICATION_TYPE_SYSTEM for the in-app inbox). */
  type?: NotificationTypeInput;
  /** Only read (true) or unread (false) messages. */
  received?: boolean;
}

/**
 * A platform user's client of UserService: a user only ever sees and changes their own data. Every call
 * rejects with a NotificationsError on failure.
 */
export class UserClient extends BaseClient<UserServiceClient> {
  constructor(options: UserClientOptions) {
    if (!options || typeof options.token !== 'string' || options.token === '') {
      throw new TypeError('a user token is required');
    }
    super(loadApi().notifications.v1.UserService, options, `Token ${options.token}`);
  }

  // --- Notifications and preferences ---

  /** Every enabled notification the user can receive, with their preference, page by page. */
  notifications(
    filter: UserNotificationFilter & { pageSize?: number } = {},
    options?: CallOptions,
  ): AsyncGenerator<UserNotification, void, undefined> {
    return paginate(
      (pageToken) => this.listNotifications({ ...filter, pageToken }, options),
      (page) => page.notifications,
    );
  }

  /** One page of the user's notifications. */
  listNotifications(request: UserNotificationFilter & PageOptions = {}, options?: CallOptions): Promise<UserNotificationsPage> {
    return this.call<UserNotificationsPage>((m, o, cb) => this.stub.ListNotifications(request, m, o, cb), options);
  }

  /** One notification with the user's preference. */
  async getNotification(id: string, options?: CallOptions): Promise<UserNotification> {
    const res = await this.call<GetUserNotificationResponse__Output>(
      (m, o, cb) => this.stub.GetNotification({ id }, m, o, cb),
      options,
    );
    return present(res.notification, 'notification');
  }

  /**
   * Sets whether the user receives notification `id`. Rejects with FAILED_PRECONDITION
   * (PREFERENCE_NOT_ALLOWED) when the admin did not let users change it.
   */
  async updateNotificationPreference(id: string, enabled: boolean, options?: CallOptions): Promise<UserNotification> {
    const res = await this.call<UpdateNotificationPreferenceResponse__Output>(
      (m, o, cb) => this.stub.UpdateNotificationPreference({ id, enabled }, m, o, cb),
      options,
    );
    return present(res.notification, 'notification');
  }

  // --- The user's messages (inbox) ---

  /** Every one of the user's messages that matches, newest first, page by page. */
  logs(filter: UserLogFilter & { pageSize?: number } = {}, options?: CallOptions): AsyncGenerator<Log, void, undefined> {
    return paginate(
      (pageToken) => this.listLogs({ ...filter, pageToken }, options),
      (page) => page.logs,
    );
  }

  /** One page of the user's messages. */
  listLogs(request: UserLogFilter & PageOptions = {}, options?: CallOptions): Promise<UserLogsPage> {
    return this.call<UserLogsPage>((m, o, cb) => this.stub.ListLogs(request, m, o, cb), options);
  }

  /** One of the user's messages. */
  async getLog(id: string, options?: CallOptions): Promise<Log> {
    const res = await this.call<GetUserLogResponse__Output>((m, o, cb) => this.stub.GetLog({ id }, m, o, cb), options);
    return present(res.log, 'log');
  }

  /** Changes one of the user's messages; only `received` (the read flag) is writable. */
  async updateLog(log: LogInput & { id: string }, updateMask: readonly string[] = ['received'], options?: CallOptions): Promise<Log> {
    const request = { log, updateMask: { paths: toMaskPaths(updateMask) } };
    const res = await this.call<UpdateUserLogResponse__Output>((m, o, cb) => this.stub.UpdateLog(request, m, o, cb), options);
    return present(res.log, 'log');
  }

  /** Marks message `id` read (or unread, with `received` false). */
  markLogReceived(id: string, received = true, options?: CallOptions): Promise<Log> {
    return this.updateLog({ id, received }, ['received'], options);
  }

  // --- Push devices ---

  /** Registers a device for push messages (`platform` and `token` required), or refreshes a known one. */
  async registerDevice(device: DeviceInput, options?: CallOptions): Promise<Device> {
    const res = await this.call<RegisterDeviceResponse__Output>(
      (m, o, cb) => this.stub.RegisterDevice({ device }, m, o, cb),
      options,
    );
    return present(res.device, 'device');
  }

  /** Every one of the user's devices, newest first, page by page. */
  devices(filter: { pageSize?: number } = {}, options?: CallOptions): AsyncGenerator<Device, void, undefined> {
    return paginate(
      (pageToken) => this.listDevices({ ...filter, pageToken }, options),
      (page) => page.devices,
    );
  }

  /** One page of the user's devices. */
  listDevices(request: PageOptions = {}, options?: CallOptions): Promise<DevicesPage> {
    return this.call<DevicesPage>((m, o, cb) => this.stub.ListDevices(request, m, o, cb), options);
  }

  /** Removes one of the user's devices. */
  async deleteDevice(id: string, options?: CallOptions): Promise<void> {
    await this.call<DeleteDeviceResponse__Output>((m, o, cb) => this.stub.DeleteDevice({ id }, m, o, cb), options);
  }
}
