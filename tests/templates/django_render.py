#!/usr/bin/python3
"""Reference renderer for Django 3.2 templates, speaking JSON lines.

Each stdin line is {"syntax": "django", "template": "...", "context": {...},
"autoescape": true|false}; each answer is one stdout line, {"output": "..."}
or {"error": "<ExceptionClass>: message"}. Run it with /usr/bin/python3,
the interpreter that has Django.

In the context, an object of the exact form {"$datetime": "2022-03-29T22:41:42.580Z"}
becomes an aware UTC datetime.datetime and {"$date": "2022-03-29"} a
datetime.date; every other value stays as JSON decodes it.
"""
import datetime
import json
import sys

import django
from django.conf import settings

settings.configure(
    USE_TZ=True,
    TIME_ZONE="UTC",
    USE_I18N=False,
    USE_L10N=False,
    DEBUG=False,
)
django.setup()

from django.template import Context, Engine  # noqa: E402  (needs settings first)

ENGINES = {escape: Engine(autoescape=escape) for escape in (True, False)}


def parse_datetime(text):
    # fromisoformat in Python 3.11 and older does not take the "Z" suffix.
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc)


def convert(value):
    """Turns the {"$datetime": s} and {"$date": s} markers into Python values."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(next(iter(value.values())), str):
            key, text = next(iter(value.items()))
            if key == "$datetime":
                return parse_datetime(text)
            if key == "$date":
                return datetime.date.fromisoformat(text)
        return {key: convert(item) for key, item in value.items()}
    if isinstance(value, list):
        return [convert(item) for item in value]
    return value


def render(request):
    autoescape = request.get("autoescape", True)
    template = ENGINES[bool(autoescape)].from_string(request["template"])
    context = Context(convert(request.get("context") or {}), autoescape=bool(autoescape))
    return template.render(context)


def answer(line):
    try:
        return {"output": str(render(json.loads(line)))}
    except Exception as error:  # every failure is an answer, never a crash
        return {"error": "%s: %s" % (type(error).__name__, error)}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(answer(line)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
