// Friendly names for the generated message types. A resource's plain name (`Notification`) is what the
// server answers with: every field present, enums as their names, 64-bit integers as strings. Its
// `...Input` twin is what a call accepts: every field optional, enums as names or numbers.
export type { Company__Output as Company, Company as CompanyInput } from './gen/notifications/v1/Company';
export type {
  Notification__Output as Notification,
  Notification as NotificationInput,
} from './gen/notifications/v1/Notification';
export type {
  UserNotification__Output as UserNotification,
  UserNotification as UserNotificationInput,
} from './gen/notifications/v1/UserNotification';
export type { Layout__Output as Layout, Layout as LayoutInput } from './gen/notifications/v1/Layout';
export type { Template__Output as Template } from './gen/notifications/v1/Template';
export type {
  Credential__Output as Credential,
  Credential as CredentialInput,
} from './gen/notifications/v1/Credential';
export type {
  SmtpCredential as SmtpCredentialInput,
  SmtpCredential__Output as SmtpCredential,
} from './gen/notifications/v1/SmtpCredential';
export type {
  SendgridCredential as SendgridCredentialInput,
  SendgridCredential__Output as SendgridCredential,
} from './gen/notifications/v1/SendgridCredential';
export type {
  TwilioCredential as TwilioCredentialInput,
  TwilioCredential__Output as TwilioCredential,
} from './gen/notifications/v1/TwilioCredential';
export type {
  FcmCredential as FcmCredentialInput,
  FcmCredential__Output as FcmCredential,
} from './gen/notifications/v1/FcmCredential';
export type { Event__Output as Event } from './gen/notifications/v1/Event';
export type { Log__Output as Log, Log as LogInput } from './gen/notifications/v1/Log';
export type { LogAttempt__Output as LogAttempt } from './gen/notifications/v1/LogAttempt';
export type { Device__Output as Device, Device as DeviceInput } from './gen/notifications/v1/Device';
export type { Timestamp__Output as Timestamp, Timestamp as TimestampInput } from './gen/google/protobuf/Timestamp';
export type { Struct__Output as Struct, Struct as StructInput } from './gen/google/protobuf/Struct';
export type { Value__Output as Value, Value as ValueInput } from './gen/google/protobuf/Value';

// Enums: each is both a value (`NotificationType.NOTIFICATION_TYPE_EMAIL`) and the type of its names.
export { NotificationType } from './gen/notifications/v1/NotificationType';
export type { NotificationType as NotificationTypeInput } from './gen/notifications/v1/NotificationType';
export { CredentialType } from './gen/notifications/v1/CredentialType';
export type { CredentialType as CredentialTypeInput } from './gen/notifications/v1/CredentialType';
export { EventStatus } from './gen/notifications/v1/EventStatus';
export type { EventStatus as EventStatusInput } from './gen/notifications/v1/EventStatus';
export { LogStatus } from './gen/notifications/v1/LogStatus';
export type { LogStatus as LogStatusInput } from './gen/notifications/v1/LogStatus';
export { DevicePlatform } from './gen/notifications/v1/DevicePlatform';
export type { DevicePlatform as DevicePlatformInput } from './gen/notifications/v1/DevicePlatform';
export { ErrorReason } from './gen/notifications/v1/ErrorReason';

// Whole responses, for the one-page list methods and the calls that answer more than a resource.
export type { ListNotificationsResponse__Output as NotificationsPage } from './gen/notifications/v1/ListNotificationsResponse';
export type { ListLayoutsResponse__Output as LayoutsPage } from './gen/notifications/v1/ListLayoutsResponse';
export type { ListCredentialsResponse__Output as CredentialsPage } from './gen/notifications/v1/ListCredentialsResponse';
export type { ListLogsResponse__Output as LogsPage } from './gen/notifications/v1/ListLogsResponse';
export type { ListEventsResponse__Output as EventsPage } from './gen/notifications/v1/ListEventsResponse';
export type { ListUserNotificationsResponse__Output as UserNotificationsPage } from './gen/notifications/v1/ListUserNotificationsResponse';
export type { ListUserLogsResponse__Output as UserLogsPage } from './gen/notifications/v1/ListUserLogsResponse';
export type { ListDevicesResponse__Output as DevicesPage } from './gen/notifications/v1/ListDevicesResponse';
export type { PreviewNotificationResponse__Output as Preview } from './gen/notifications/v1/PreviewNotificationResponse';
export type { TriggerNotificationResponse__Output as TriggerResult } from './gen/notifications/v1/TriggerNotificationResponse';
export type { ReceiveEventResponse__Output as ReceiveEventResult } from './gen/notifications/v1/ReceiveEventResponse';
