"""Redshift's `COPY ... FROM 's3://...'` statement read into a CopyCommand, for the emulation in copy_command.py.

Options understood (anything else fails loudly, so the harness never pretends): IAM_ROLE '<arn>' | DEFAULT,
MANIFEST, REGION, FORMAT [AS] CSV | JSON '<auto | auto ignorecase | s3://jsonpaths>', CSV, JSON,
IGNOREHEADER, DATEFORMAT, TIMEFORMAT, EMPTYASNULL, BLANKSASNULL, ENCODING UTF8, MAXERROR, GZIP,
COMPUPDATE, STATUPDATE. Access keys in SQL (CREDENTIALS, ACCESS_KEY_ID) are refused: the project loads with
IAM roles only. The tokens, `identifier` and the IAM role pattern serve unload_command.py too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

IAM_ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]+$")
TOKEN = re.compile(r"""\s*(?:(?P<string>'(?:[^'\\]|''|\\.)*')|(?P<quoted>"(?:[^"]|"")*")|(?P<punct>[(),;])|(?P<word>[^\s(),;'"]+))""")
SUPPORTED_FORMATS = ("csv", "json")
EMULATED_DATEFORMATS = ("AUTO", "YYYY-MM-DD")
EMULATED_TIMEFORMATS = ("AUTO", "YYYY-MM-DD HH:MI:SS", "EPOCHSECS", "EPOCHMILLISECS")


class CopyEmulationError(RuntimeError):
    """The COPY uses something the emulation does not implement, or Redshift would refuse the statement."""


def unquote_string(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"''|\\(.)", lambda m: "'" if m.group(0) == "''" else m.group(1), body)


def tokens(sql: str) -> list[str]:
    out, position = [], 0
    sql = sql.strip().rstrip(";")
    while position < len(sql):
        match = TOKEN.match(sql, position)
        if not match or match.end() == position:
            if sql[position:].strip() == "":
                break
            raise CopyEmulationError(f"cannot read the statement at: {sql[position:position + 40]!r}")
        out.append(match.group(match.lastgroup))
        position = match.end()
    return out


@dataclass
class CopyCommand:
    table: str
    columns: list[str] | None
    source: str
    iam_role: str | None = None
    manifest: bool = False
    region: str | None = None
    format: str = "text"
    json_spec: str | None = None
    ignore_header: int = 0
    dateformat: str | None = None
    timeformat: str | None = None
    empty_as_null: bool = False
    blanks_as_null: bool = False
    max_error: int = 0
    gzip: bool = False
    options: list[str] = field(default_factory=list)


def identifier(token: str) -> str:
    return token[1:-1].replace('""', '"') if token.startswith('"') else token.lower()


def parse_copy(sql: str) -> CopyCommand:
    words = tokens(sql)
    upper = [w.upper() for w in words]
    if upper[0] != "COPY":
        raise CopyEmulationError("not a COPY statement")
    position, table = 2, words[1]
    while position < len(words) and words[position] == ".":
        table += "." + words[position + 1]
        position += 2
    columns = None
    if words[position] == "(":
        end = words.index(")", position)
        columns = [identifier(w) for w in words[position + 1:end] if w != ","]
        position = end + 1
    if upper[position] != "FROM" or not words[position + 1].startswith("'"):
        raise CopyEmulationError("COPY needs FROM 's3://...'")
    command = CopyCommand(table=table, columns=columns, source=unquote_string(words[position + 1]))
    position += 2

    def value(skip_as: bool = True) -> str:
        nonlocal position
        if skip_as and position < len(upper) and upper[position] == "AS":
            position += 1
        token = words[position]
        position += 1
        return unquote_string(token) if token.startswith("'") else token

    while position < len(words):
        option = upper[position]
        position += 1
        command.options.append(option)
        if option in ("CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "WITH"):
            raise CopyEmulationError(f"{option}: access keys in SQL; the project must load with IAM_ROLE only")
        if option == "IAM_ROLE":
            role = value(skip_as=False)
            if role.upper() != "DEFAULT" and not all(IAM_ROLE_ARN.match(r) for r in role.split(",")):
                raise CopyEmulationError(f"IAM_ROLE {role!r} is not an IAM role ARN (or DEFAULT)")
            command.iam_role = role
        elif option == "MANIFEST":
            command.manifest = True
        elif option == "REGION":
            command.region = value()
        elif option in ("FORMAT", "CSV", "JSON"):
            kind = value() if option == "FORMAT" else option
            command.format = kind.lower()
            if command.format not in SUPPORTED_FORMATS:
                raise CopyEmulationError(f"FORMAT {kind} is not emulated")
            if command.format == "json":
                if position < len(words) and upper[position] == "AS":
                    position += 1
                if position < len(words) and words[position].startswith("'"):
                    command.json_spec = value(skip_as=False)
                else:
                    raise CopyEmulationError("FORMAT AS JSON needs 'auto', 'auto ignorecase' or a JSONPaths file")
        elif option == "IGNOREHEADER":
            command.ignore_header = int(value())
        elif option == "DATEFORMAT":
            command.dateformat = value()
        elif option == "TIMEFORMAT":
            command.timeformat = value()
        elif option == "EMPTYASNULL":
            command.empty_as_null = True
        elif option == "BLANKSASNULL":
            command.blanks_as_null = True
        elif option == "ENCODING":
            encoding = value()
            if encoding.upper() not in ("UTF8", "UTF-8"):
                raise CopyEmulationError(f"ENCODING {encoding} is not emulated")
        elif option == "MAXERROR":
            command.max_error = int(value())
        elif option == "GZIP":
            command.gzip = True
        elif option in ("COMPUPDATE", "STATUPDATE"):
            value(skip_as=False)
        else:
            raise CopyEmulationError(f"COPY option {option} is not emulated")
    if (command.dateformat or "auto").upper() not in EMULATED_DATEFORMATS:
        raise CopyEmulationError(f"DATEFORMAT {command.dateformat!r} is not emulated")
    if (command.timeformat or "auto").upper() not in EMULATED_TIMEFORMATS:
        raise CopyEmulationError(f"TIMEFORMAT {command.timeformat!r} is not emulated")
    if command.iam_role is None:
        raise CopyEmulationError("COPY without IAM_ROLE: the project loads with an IAM role")
    if command.format == "text":
        raise CopyEmulationError("COPY without FORMAT (pipe-delimited text) is not emulated")
    if command.format == "csv" and command.json_spec:
        raise CopyEmulationError("CSV with a JSON spec")
    return command
