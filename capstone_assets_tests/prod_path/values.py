"""Redshift's COPY data conversion, value by value: text from a file in, canonical text for PostgreSQL out.

Rules (Amazon Redshift COPY data-conversion parameters and load error reference):
- SMALLINT/INTEGER/BIGINT: optional sign and digits only ('3.7' is error 1207 "Invalid digit", never rounded);
  out of range is error 1222.
- DECIMAL(p, s): a plain decimal number, rounded half up to s digits; more than p - s integer digits is 1204.
- REAL/DOUBLE PRECISION: a decimal or exponent number, NaN or Infinity (1208).
- BOOLEAN: t/true/y/yes/1, f/false/n/no/0, any case (1210).
- DATE, TIMESTAMP: DATEFORMAT/TIMEFORMAT 'auto' recognise the usual layouts; without them only
  'YYYY-MM-DD' and 'YYYY-MM-DD HH:MI:SS[.ffffff]'; 'epochsecs'/'epochmillisecs' take seconds/milliseconds
  since 1970 (1205/1206).
- CHAR(n)/VARCHAR(n): n counts BYTES of UTF-8 (1204 "String length exceeds DDL length"); VARCHAR without a
  length holds 256 bytes. Empty fields of other types are NULL; empty CHAR/VARCHAR fields are '' unless
  EMPTYASNULL.
- NOT NULL columns reject NULL (1213).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class ConversionError(ValueError):
    def __init__(self, code: int, message: str, position: int = 0):
        super().__init__(message)
        self.code, self.message, self.position = code, message, position


@dataclass(frozen=True)
class ColumnType:  # frozen, and cached_property writes the instance dict directly
    name: str
    sql_type: str  # PostgreSQL's format_type, e.g. 'character varying(16)', 'numeric(10,2)'
    not_null: bool

    @functools.cached_property
    def kind(self) -> str:
        t = self.sql_type
        for prefix, kind in (("character varying", "varchar"), ("character", "char"), ("text", "varchar"),
                             ("smallint", "smallint"), ("integer", "integer"), ("bigint", "bigint"),
                             ("numeric", "numeric"), ("real", "float"), ("double precision", "float"),
                             ("boolean", "boolean"), ("date", "date"), ("timestamp with time zone", "timestamptz"),
                             ("timestamp", "timestamp")):
            if t.startswith(prefix):
                return kind
        raise ConversionError(1223, f"COPY emulation does not convert type {t}")

    @functools.cached_property
    def length(self) -> int | None:
        match = re.search(r"\((\d+)(?:,(\d+))?\)", self.sql_type)
        if self.kind in ("varchar", "char"):
            return int(match.group(1)) if match else (256 if self.kind == "varchar" else 1)
        return None

    @property
    def redshift_type(self) -> str:  # as the load-error views name it
        return {"varchar": "varchar", "char": "char", "smallint": "int2", "integer": "int4", "bigint": "int8",
                "numeric": "numeric", "float": "float8", "boolean": "bool", "date": "date",
                "timestamp": "timestamp", "timestamptz": "timestamptz"}[self.kind]


INTEGER_RANGES = {"smallint": (-2 ** 15, 2 ** 15 - 1, "Short"), "integer": (-2 ** 31, 2 ** 31 - 1, "Integer"),
                  "bigint": (-2 ** 63, 2 ** 63 - 1, "Long")}
TRUE_WORDS, FALSE_WORDS = {"t", "true", "y", "yes", "1"}, {"f", "false", "n", "no", "0"}
INTEGER = re.compile(r"[+-]?[0-9]+\Z")
UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (decoded with surrogateescape)
FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$", re.IGNORECASE)
DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
ISO_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*"
    r"(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE)
AUTO_DATE_LAYOUTS = ("%Y%m%d", "%m/%d/%Y", "%Y/%m/%d", "%d-%b-%Y", "%b %d %Y", "%b %d, %Y", "%B %d %Y", "%B %d, %Y",
                     "%d %b %Y", "%d %B %Y")
AUTO_TIMESTAMP_LAYOUTS = ("%m/%d/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y%m%d %H:%M:%S", "%Y%m%d%H%M%S",
                          "%d-%b-%Y %H:%M:%S", "%b %d %Y %H:%M:%S")
EPOCH = dt.datetime(1970, 1, 1)


def convert(value, column: ColumnType, dateformat: str | None, timeformat: str | None,
            empty_as_null: bool) -> str | None:
    """Canonical text of `value` (a str from the file, or None) for `column`, or ConversionError."""
    kind = column.kind
    if value is not None and value == "" and (kind not in ("varchar", "char") or empty_as_null):
        value = None
    if value is None:
        if column.not_null:
            raise ConversionError(1213, "Missing data for not-null field")
        return None
    if kind in ("varchar", "char"):
        size = len(value.encode("utf-8", "surrogateescape"))
        if not value.isascii() and UNDECODABLE.search(value):
            raise ConversionError(1220, "String contains invalid or unsupported UTF8 codepoints")
        if size > column.length:
            raise ConversionError(1204, f"String length exceeds DDL length ({size} bytes > {column.length})")
        if kind == "char" and size != len(value):
            raise ConversionError(1215, "CHAR field error: multibyte character in a CHAR column")
        return value
    if kind in INTEGER_RANGES:
        return _integer(value, *INTEGER_RANGES[kind])
    if kind == "numeric":
        return _decimal(value, column.sql_type)
    if kind == "float":
        if not FLOAT.match(value):
            raise ConversionError(1208, f"Invalid float value '{value}'")
        return value
    if kind == "boolean":
        word = value.lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise ConversionError(1210, f"Invalid boolean value '{value}'")
        return "t" if word in TRUE_WORDS else "f"
    if kind == "date":
        return _date(value, dateformat).isoformat()
    return _timestamp(value, timeformat).isoformat(sep=" ")


def _integer(value: str, low: int, high: int, name: str) -> str:
    if INTEGER.match(value):
        number = int(value)
        if not low <= number <= high:
            raise ConversionError(1222, f"Overflow, Value '{value}', Type: {name}")
        return str(number)
    for position, ch in enumerate(value):
        if not (ch.isdigit() and ch.isascii()) and not (position == 0 and ch in "+-" and len(value) > 1):
            raise ConversionError(1207, f"Invalid digit, Value '{ch}', Pos {position}, Type: {name}", position)
    number = int(value)
    if not low <= number <= high:
        raise ConversionError(1222, f"Overflow, Value '{value}', Type: {name}")
    return str(number)


def _decimal(value: str, sql_type: str) -> str:
    if not DECIMAL.match(value):
        raise ConversionError(1209, f"Invalid decimal value '{value}'")
    match = re.search(r"\((\d+),(\d+)\)", sql_type)
    precision, scale = (int(match.group(1)), int(match.group(2))) if match else (18, 0)
    try:
        number = Decimal(value).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ConversionError(1209, f"Invalid decimal value '{value}'") from None
    if len(number.as_tuple().digits) - max(0, -number.as_tuple().exponent) > precision - scale and number != 0:
        raise ConversionError(1204, f"Numeric data overflow, Value '{value}', precision {precision}, scale {scale}")
    return str(number)


def _epoch(value: str, unit: float, code: int) -> dt.datetime:
    try:
        return EPOCH + dt.timedelta(seconds=float(Decimal(value)) * unit)
    except (InvalidOperation, OverflowError, ValueError):
        raise ConversionError(code, f"Invalid epoch value '{value}'") from None


def _iso(value: str, with_zone: bool) -> dt.datetime | None:
    match = ISO_TIMESTAMP.match(value.strip() if with_zone else value)
    if not match:
        return None
    y, mo, d, h, mi, s, frac, zone = match.groups()
    moment = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                         int((frac or "0").ljust(6, "0")))
    if zone and zone.upper() not in ("Z", "UTC"):  # an offset: stored as UTC
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        moment -= sign * offset
    return moment


def _date(value: str, dateformat: str | None) -> dt.date:
    try:
        if dateformat and dateformat.lower() == "auto":
            moment = _iso(value, with_zone=True)
            if moment is not None:
                return moment.date()
            for layout in AUTO_DATE_LAYOUTS:
                try:
                    return dt.datetime.strptime(value.strip(), layout).date()
                except ValueError:
                    continue
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ConversionError(1205, f"Invalid Date Format - value '{value}'")


def _timestamp(value: str, timeformat: str | None) -> dt.datetime:
    fmt = (timeformat or "").lower()
    if fmt == "epochmillisecs":
        return _epoch(value, 0.001, 1206)
    if fmt == "epochsecs":
        return _epoch(value, 1, 1206)
    try:
        moment = _iso(value, with_zone=fmt == "auto")
        if moment is not None and (fmt == "auto" or re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?", value)):
            return moment
        if fmt == "auto":
            for layout in AUTO_TIMESTAMP_LAYOUTS + AUTO_DATE_LAYOUTS:
                try:
                    return dt.datetime.strptime(value.strip(), layout)
                except ValueError:
                    continue
    except ValueError:
        pass
    raise ConversionError(1206, f"Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS] '{value}'")
