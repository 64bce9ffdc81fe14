// @rehive/notifications-client: Node.js clients of the Rehive notification extension's gRPC API
// (package notifications.v1).
export { AdminClient } from './admin';
export type {
  AdminClientOptions,
  CredentialFilter,
  EventFilter,
  LayoutFilter,
  LogFilter,
  NotificationFilter,
  PreviewSource,
  TemplateFilter,
  TimeInput,
  TriggerOptions,
} from './admin';
export { UserClient } from './user';
export type { UserClientOptions, UserLogFilter, UserNotificationFilter } from './user';
export { WebhookClient } from './webhook';
export type { WebhookClientOptions, WebhookEvent } from './webhook';
export { VERSION, paginate } from './base';
export type { CallOptions, ClientOptions, PageOptions } from './base';
export {
  ERROR_DOMAIN,
  NotificationsError,
  StatusCode,
  decodeStatus,
  isNotificationsError,
  statusCodeName,
} from './errors';
export type { DecodedStatus } from './errors';
export { fromStruct, fromValue, timestampToDate, toMaskPaths, toStruct, toTimestamp, toValue } from './convert';
export type { JsonObject, JsonValue } from './convert';
export * from './types';
