"""Every message and enum of the API (notifications.v1), with the enums' values as constants, for
building requests by hand or for type checks:

    from rehive_notifications.messages import NOTIFICATION_TYPE_EMAIL, ListNotificationsRequest
"""
from ._pb.notifications.v1 import admin_service_pb2, resources_pb2, user_service_pb2
from ._pb.notifications.v1 import webhook_service_pb2


def _export(module):
    names = []
    for name in module.DESCRIPTOR.message_types_by_name:
        names.append(name)
    for name, enum in module.DESCRIPTOR.enum_types_by_name.items():
        names.append(name)
        names.extend(value.name for value in enum.values)
    for name in names:
        globals()[name] = getattr(module, name)
    return names


__all__ = []
for _module in (resources_pb2, admin_service_pb2, user_service_pb2, webhook_service_pb2):
    __all__ += _export(_module)
del _module
