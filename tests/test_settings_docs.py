"""README's settings table says what the code reads: every environment variable read in config/, reader/,
summaries/ and manage.py has a row with its default and meaning, no row names a variable nothing reads,
and a default written in the table is the code's own. A setting added, renamed or removed without its
row fails here, so the table stays true."""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass

import pytest

from tests.conftest import REPO

SOURCES = [
    REPO / "manage.py",
    *(p for d in ("config", "reader", "summaries") for p in sorted((REPO / d).rglob("*.py"))),
]
# The readers themselves take the name as an argument (config/envfiles.py, config/envtypes.py).
GENERIC = {REPO / "config" / "envfiles.py", REPO / "config" / "envtypes.py"}
# Calls that read NAME and also NAME_FILE (a secret given as a file).
FILE_READERS = {"env_or_file", "env.url"}
NO_DEFAULT = object()


@dataclass
class Read:
    """One read of an environment variable in the code."""

    name: str
    where: str  # path:line
    default: object  # the default's value when the code writes it plainly, else NO_DEFAULT
    with_file: bool  # also read from NAME_FILE


def _call_name(node: ast.Call) -> str:
    """``env.int``, ``os.environ.get``, ``env_or_file``... for a call, "" for anything else."""
    return ast.unparse(node.func) if isinstance(node.func, ast.Name | ast.Attribute) else ""


def _is_read(name: str) -> bool:
    return name.startswith("env.") or name in ("os.environ.get", "os.getenv", "env_or_file")


def _value(node: ast.expr | None, module: str) -> object:
    """The value of a default written plainly (a constant, arithmetic of constants, a list of constants, a
    constant's name in its module), else NO_DEFAULT."""
    if node is None:
        return NO_DEFAULT
    if isinstance(node, ast.Name):
        return getattr(importlib.import_module(module), node.id, NO_DEFAULT)
    if not all(
        isinstance(
            n, ast.Constant | ast.BinOp | ast.UnaryOp | ast.operator | ast.unaryop | ast.List | ast.Tuple | ast.Load
        )
        for n in ast.walk(node)
    ):
        return NO_DEFAULT
    return eval(compile(ast.Expression(node), "<default>", "eval"), {"__builtins__": {}})


def _reads() -> list[Read]:
    """Every read of an environment variable in ``SOURCES``. Fails on a read whose name is not written
    out (this test could not check it)."""
    reads = []
    for path in SOURCES:
        if path in GENERIC or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        fallbacks = {  # `os.environ.get("X") or "admin"`: the default comes after `or`
            id(node.values[0]): node.values[1]
            for node in ast.walk(tree)
            if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or)
        }
        for node in ast.walk(tree):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                key = node.slice.value if isinstance(node.slice, ast.Constant) else None
                assert isinstance(key, str), f"{where}: os.environ[...] with a name not written out"
                if isinstance(node.ctx, ast.Load):
                    reads.append(Read(key, where, NO_DEFAULT, False))
                continue
            if not (isinstance(node, ast.Call) and _is_read(call := _call_name(node))):
                continue
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{where}: {call}(...) with a name not written out"
            )
            default = next((k.value for k in node.keywords if k.arg == "default"), None)
            default = default or (node.args[1] if len(node.args) > 1 else fallbacks.get(id(node)))
            reads.append(Read(first.value, where, _value(default, module), call in FILE_READERS))
    return reads


def _readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _table() -> dict[str, tuple[str, str]]:
    """README's settings table: name -> (default, meaning); a row naming several variables gives each its
    part of a default written as a list (``120``, ``150``), or the whole cell."""
    rows: dict[str, tuple[str, str]] = {}
    for line in _readme_section("Settings (environment variables)").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        assert len(cells) == 3, f"README settings row without three cells: {line}"
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0])
        parts = cells[1].split(", ")
        for i, name in enumerate(names):
            assert name not in rows, f"README lists {name} twice"
            rows[name] = (parts[i] if len(parts) == len(names) else cells[1], cells[2])
    return rows


def _shows(cell: str, value: object) -> bool | None:
    """Whether README's default ``cell`` shows ``value``: None when the cell describes it in words."""
    word = cell.split(" ", 1)[0].strip(":,")
    if word in ("on", "off"):
        return value is (word == "on")
    if word == "none":
        return not value
    shown = re.match(r"`([^`]*)`", cell)
    if not shown:
        return None
    text = shown.group(1)
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return re.fullmatch(r"-?[\d.]+", text) is not None and float(text) == value
    if "…" in text:
        return str(value).startswith(text.split("…")[0])
    return text == str(value)


@pytest.fixture(scope="module")
def reads() -> list[Read]:
    return _reads()


def test_every_variable_the_code_reads_has_a_row(reads):
    table = _table()
    # NAME_FILE of a secret is covered by its row and the sentence above the table (the last test).
    as_files = {r.name + "_FILE" for r in reads if r.with_file}
    missing = sorted({f"{r.name} ({r.where})" for r in reads if r.name not in table and r.name not in as_files})
    assert not missing, f"read by the code, not in README's settings table: {missing}"
    for name, (default, meaning) in table.items():
        assert default and meaning, f"README's row for {name} needs a default and a meaning"


def test_no_row_names_a_variable_nothing_reads(reads):
    unread = sorted(set(_table()) - {r.name for r in reads})
    assert not unread, f"in README's settings table but read nowhere: {unread}"


def test_the_defaults_in_the_table_are_the_code_s(reads):
    table = _table()
    wrong = [
        f"{r.name}: README says {table[r.name][0]!r}, {r.where} has {r.default!r}"
        for r in reads
        if r.name in table and r.default is not NO_DEFAULT and _shows(table[r.name][0], r.default) is False
    ]
    assert not wrong, wrong


def test_the_secrets_that_can_come_from_files_are_the_ones_named(reads):
    preamble = _readme_section("Settings (environment variables)").split("| name |")[0]
    sentence = re.search(r"Secrets \(([^)]*)\) can instead be read from\s+a file", preamble)
    assert sentence, "README's settings section no longer says which secrets can come from files"
    assert set(re.findall(r"`([A-Z0-9_]+)`", sentence.group(1))) == {r.name for r in reads if r.with_file}


def test_the_reads_are_found():
    # The finder itself: a few reads of each form it must see, so a change in how settings are read
    # cannot leave this test checking nothing.
    found = {r.name: r for r in _reads()}
    assert found["DIGEST_LOGIN_FAILURES"].default == 5
    assert found["DEBUG"].default is False
    assert found["DIGEST_FETCH_MAX_BYTES"].default == 10 * 1024 * 1024
    assert found["DIGEST_SUMMARY_SENTENCES"].default == 3  # a name imported into settings.py
    assert found["DIGEST_ADMIN_USER"].default == "admin"  # os.environ.get(...) or "admin"
    assert found["PORT"].default == "8000"
    assert found["DATABASE_URL"].with_file and found["SECRET_KEY"].with_file
