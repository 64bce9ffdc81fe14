"""Building request messages from Python values: messages, mappings and keyword arguments."""
import datetime
from collections.abc import Mapping

from google.protobuf import descriptor, field_mask_pb2, message

_TIMESTAMP = "google.protobuf.Timestamp"
_DURATION = "google.protobuf.Duration"
_STRUCT = "google.protobuf.Struct"
_FIELD_MASK = "google.protobuf.FieldMask"


def build(cls, value=None, fields=None):
    """Returns a new `cls` message made from `value` (a `cls` message, a mapping of field names to
    values, or None) with `fields` (a mapping, usually keyword arguments) set on top of it.

    Values are converted where the field's type asks for it: a mapping fills a message field, a
    `datetime` a Timestamp (naive means UTC), a `timedelta` or seconds a Duration, a mapping a
    Struct, a sequence of paths a FieldMask, and a name an enum ("NOTIFICATION_TYPE_EMAIL", or just
    "EMAIL" / "email"). A value of None leaves the field unset. An unknown field name raises
    TypeError; a value of the wrong type, TypeError or ValueError."""
    result = cls()
    if value is None:
        pass
    elif isinstance(value, cls):
        result.CopyFrom(value)
    elif isinstance(value, Mapping):
        fill(result, value)
    else:
        raise TypeError(f"expected a {cls.DESCRIPTOR.full_name} message or a mapping, "
                        f"not {type(value).__name__}")
    if fields:
        fill(result, fields)
    return result


def fill(msg, fields):
    """Sets the fields of `msg` named in the mapping `fields`, converting values as `build` does."""
    by_name = msg.DESCRIPTOR.fields_by_name
    for name, value in fields.items():
        if value is None:
            continue
        field = by_name.get(name)
        if field is None:
            raise TypeError(f"{msg.DESCRIPTOR.full_name} has no field {name!r}")
        _set(msg, field, value)


def _set(msg, field, value):
    name = field.name
    if field.label == descriptor.FieldDescriptor.LABEL_REPEATED:
        target = getattr(msg, name)
        target_is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
        if target_is_map:
            value_field = field.message_type.fields_by_name["value"]
            for key, item in value.items():
                if value_field.message_type is not None:
                    _fill_message(target[key], value_field.message_type, item)
                else:
                    target[key] = _scalar(value_field, item)
        elif field.message_type is not None:
            for item in value:
                _fill_message(target.add(), field.message_type, item)
        else:
            if isinstance(value, (str, bytes)):
                raise TypeError(f"{name}: expected a sequence of values, "
                                f"not a single {type(value).__name__}")
            target.extend(_scalar(field, item) for item in value)
        return
    if field.message_type is not None:
        _fill_message(getattr(msg, name), field.message_type, value)
        return
    setattr(msg, name, _scalar(field, value))


def _fill_message(target, message_type, value):
    kind = message_type.full_name
    if isinstance(value, message.Message):
        target.CopyFrom(value)
    elif kind == _TIMESTAMP and isinstance(value, datetime.datetime):
        if value.tzinfo is not None:  # A naive datetime is taken as UTC, as protobuf does.
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        target.FromDatetime(value)
    elif kind == _DURATION and isinstance(value, datetime.timedelta):
        target.FromTimedelta(value)
    elif kind == _DURATION and isinstance(value, (int, float)):
        target.FromNanoseconds(round(value * 1_000_000_000))
    elif kind == _STRUCT and isinstance(value, Mapping):
        target.Clear()
        target.update(value)
    elif kind == _FIELD_MASK and not isinstance(value, Mapping):
        target.CopyFrom(field_mask(value))
    elif isinstance(value, Mapping):
        target.Clear()
        fill(target, value)
    else:
        raise TypeError(f"expected a {kind} message or a mapping, not {type(value).__name__}")
    # Setting nothing on a singular sub-message still has to mark it present (for example an empty
    # Struct, or a Credential's `sendgrid` settings given as {}).
    if not target.ListFields() and hasattr(target, "SetInParent"):
        target.SetInParent()


def _scalar(field, value):
    if field.enum_type is not None and isinstance(value, str):
        return enum_value(field.enum_type, value)
    return value


def enum_value(enum_type, name):
    """Returns the number of the value of `enum_type` named `name`, accepting the full name
    ("NOTIFICATION_TYPE_EMAIL") or the part after the enum's prefix ("EMAIL", "email")."""
    by_name = enum_type.values_by_name
    if name in by_name:
        return by_name[name].number
    zero = enum_type.values_by_number.get(0)
    if zero is not None and zero.name.endswith("_UNSPECIFIED"):
        prefixed = zero.name[: -len("UNSPECIFIED")] + name.upper()
        if prefixed in by_name:
            return by_name[prefixed].number
    names = ", ".join(v.name for v in enum_type.values)
    raise ValueError(f"{name!r} is not a value of {enum_type.full_name} ({names})")


def field_mask(paths):
    """Returns a FieldMask from a FieldMask, a comma-separated string or a sequence of paths."""
    if paths is None:
        return field_mask_pb2.FieldMask()
    if isinstance(paths, field_mask_pb2.FieldMask):
        return paths
    if isinstance(paths, str):
        paths = [p.strip() for p in paths.split(",") if p.strip()]
    return field_mask_pb2.FieldMask(paths=list(paths))
