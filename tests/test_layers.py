"""The import graph of `tracker/`: no cycles, messaging never reaches into reminders, and the pure
modules import no ORM and read no clock.

Pure Python over the source with `ast` (no Django, no database). Every import counts: at module
level and inside functions or methods, since a lazy import is still a dependency and still closes
a cycle at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "tracker"

MESSAGING = "tracker.messaging"
REMINDERS = "tracker.reminders"

PURE_MODULES = (
    "tracker.incidents.phases",
    "tracker.reminders.planning",
    "tracker.messaging.composer",
    "tracker.zones",
    "tracker.working_hours",  # issue 15
)
# What a pure module may not reference: the clock, read at the edge and passed in as `now`.
CLOCK_READS = frozenset(
    {
        "django.utils.timezone.now",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "time.time",
    }
)
# The same calls spelled as they usually are, for a name the module did not import.
CLOCK_SPELLINGS = frozenset(
    {
        "timezone.now",
        "datetime.now",
        "datetime.utcnow",
        "time.time",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
    }
)


@dataclass(frozen=True)
class Import:
    target: str  # the dotted name imported, resolved to a module where one exists
    line: int


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module under tracker/ by dotted name (a package by its own name), no migrations."""
    found: dict[str, Path] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _longest_known(name: str, known: Iterable[str]) -> str:
    """`name` itself when it is a module, else the longest module prefix of it (or `name`)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return name


def imports_of(module: str, path: Path, known: Iterable[str]) -> list[Import]:
    """Every import in the file, wherever it sits, resolved to dotted names.

    `from a import b` is `a.b` when that is a module, else `a`; relative imports are resolved
    against the module's package.
    """
    known = set(known)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _package_of(module, path)
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(_longest_known(alias.name, known), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join(base_parts)
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                if alias.name != "*" and candidate in known:
                    found.append(Import(candidate, node.lineno))
                else:
                    found.append(Import(_longest_known(source, known), node.lineno))
    return found


def import_graph(
    modules: Mapping[str, Path] | None = None,
) -> tuple[dict[str, set[str]], dict[tuple[str, str], int]]:
    """Edges between tracker modules, and the line of the first import behind each edge."""
    modules = module_files() if modules is None else modules
    graph: dict[str, set[str]] = {name: set() for name in modules}
    lines: dict[tuple[str, str], int] = {}
    for name, path in modules.items():
        for imp in imports_of(name, path, modules):
            if imp.target in modules and imp.target != name:
                graph[name].add(imp.target)
                lines.setdefault((name, imp.target), imp.line)
    return graph, lines


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components listed in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0

    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return sorted(components)


# Enough to show how a knot is tied; a knot this tangled needs untying, not a longer list.
MAX_CYCLES_PER_KNOT = 20


def _cycles_in(graph: Mapping[str, Iterable[str]], component: list[str]) -> list[list[str]]:
    """Every elementary cycle inside one strongly connected component, each once: started at
    its smallest module, as a closed path [a, b, ..., a]; shortest first, then by name."""
    members = set(component)
    succ = {n: sorted(set(graph.get(n, ())) & members) for n in component}
    found: list[list[str]] = []
    for start in component:  # sorted: a cycle is found from its smallest module only
        path, on_path, todo = [start], {start}, [iter(succ[start])]
        while todo and len(found) < MAX_CYCLES_PER_KNOT:
            for nxt in todo[-1]:
                if nxt == start:
                    found.append([*path, start])
                elif nxt > start and nxt not in on_path:
                    path.append(nxt)
                    on_path.add(nxt)
                    todo.append(iter(succ[nxt]))
                    break
            else:
                todo.pop()
                on_path.discard(path.pop())
    return sorted(found, key=lambda c: (len(c), c))


def knots(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components that hold a cycle: more than one module, or a module
    importing itself."""
    return [c for c in strongly_connected(graph) if len(c) > 1 or c[0] in set(graph.get(c[0], ()))]


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The elementary cycles of every knot, as closed paths [a, b, ..., a]."""
    return [cycle for knot in knots(graph) for cycle in _cycles_in(graph, knot)]


def describe_cycles(graph, lines=None) -> list[str]:
    """One entry per knot: each of its cycles as `a -> b -> a`, with the import lines."""
    lines = lines or {}
    out = []
    for knot in knots(graph):
        entries = []
        for cycle in _cycles_in(graph, knot):
            edges = list(zip(cycle, cycle[1:], strict=False))
            where = ", ".join(f"{a}:{lines[(a, b)]}" for a, b in edges if (a, b) in lines)
            entries.append(" -> ".join(cycle) + (f"\n      (imports at {where})" if where else ""))
        head = f"knot of {len(knot)}: {', '.join(knot)}\n    " if len(entries) > 1 else ""
        out.append(head + "\n    ".join(entries))
    return out


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# --- the rules ---------------------------------------------------------------------------------


def test_no_import_cycles_among_tracker_modules():
    graph, lines = import_graph()
    knotted = describe_cycles(graph, lines)
    assert not knotted, (
        f"{len(find_cycles(graph))} import cycle(s) among tracker modules, in {len(knotted)} "
        "knot(s) (lazy imports inside functions count: they close the loop at run time). Move "
        "what both sides need into a lower module:\n  " + "\n  ".join(knotted)
    )


def test_messaging_never_imports_reminders():
    modules = module_files()
    offences = []
    for name, path in modules.items():
        if not _under(name, MESSAGING):
            continue
        for imp in imports_of(name, path, modules):
            if _under(imp.target, REMINDERS):
                rel = path.relative_to(ROOT)
                offences.append(f"{rel}:{imp.line} imports {imp.target}")
    assert not offences, (
        "tracker/messaging/ must not import tracker/reminders/ (the dispatcher hands the email "
        "renderer a plain context; what both need lives lower):\n  " + "\n  ".join(offences)
    )


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the fully qualified name it was imported as, anywhere in the file."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def clock_reads(path: Path) -> list[str]:
    """Every reference to a clock-reading callable (called or passed along), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute | ast.Name):
            continue
        parts = _dotted(node)
        if not parts:
            continue
        spelled = ".".join(parts)
        if parts[0] in aliases:
            resolved = ".".join([aliases[parts[0]], *parts[1:]])
            hit = resolved in CLOCK_READS
        else:
            resolved = spelled
            hit = spelled in CLOCK_SPELLINGS
        if hit:
            found.append(
                f"line {node.lineno}: {spelled}" + (f" ({resolved})" if resolved != spelled else "")
            )
    return found


def test_pure_modules_import_no_orm_and_read_no_clock():
    modules = module_files()
    missing = [name for name in PURE_MODULES if name not in modules]
    assert not missing, f"pure modules named by this test no longer exist: {missing}"
    offences = []
    for name in PURE_MODULES:
        path = modules[name]
        rel = path.relative_to(ROOT)
        for imp in imports_of(name, path, modules):
            target = imp.target
            is_models = _under(target, PACKAGE) and target.split(".")[-1] == "models"
            if _under(target, "django.db") or is_models:
                offences.append(f"{rel}:{imp.line} imports {target}")
        offences.extend(f"{rel} {read}" for read in clock_reads(path))
    assert not offences, (
        "pure modules (phases, planning, composer, zones) take plain data and `now`; they import "
        "no ORM and read no clock:\n  " + "\n  ".join(offences)
    )


# --- the checker checks itself -------------------------------------------------------------------


def test_cycle_finder_finds_a_planted_cycle_and_passes_a_clean_graph():
    clean = {"a": {"b", "c"}, "b": {"c"}, "c": set(), "d": {"a"}}
    assert find_cycles(clean) == []
    assert describe_cycles(clean) == []

    knotted = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert find_cycles(knotted) == [["a", "b", "c", "a"], ["e", "e"]]
    assert describe_cycles(knotted) == ["a -> b -> c -> a", "e -> e"]

    # Two loops sharing a module are one knot: reported once, with both its loops.
    figure_eight = {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}
    assert find_cycles(figure_eight) == [["a", "b", "a"], ["b", "c", "b"]]
    [report] = describe_cycles(figure_eight)
    assert report == "knot of 3: a, b, c\n    a -> b -> a\n    b -> c -> b"

    # The walk is iterative: a ring deeper than Python's recursion limit is one knot, one cycle.
    ring = {f"m{i:04d}": {f"m{(i + 1) % 1100:04d}"} for i in range(1100)}
    [cycle] = find_cycles(ring)
    assert len(cycle) == 1101 and cycle[0] == cycle[-1] == "m0000"


def test_import_resolution_sees_lazy_relative_and_submodule_imports(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    for init in (pkg, pkg / "low", pkg / "high"):
        (init / "__init__.py").write_text("")
    (pkg / "high" / "__init__.py").write_text("from . import jobs\n")
    (pkg / "low" / "mail.py").write_text(
        "def send():\n    from tracker.high import jobs\n    return jobs\n"
    )
    (pkg / "high" / "jobs.py").write_text("from ..low import mail\nimport tracker.low.mail as m\n")
    (pkg / "low" / "clock.py").write_text(
        "from datetime import datetime as dt\nfrom django.db import models\n"
        "def f():\n    return dt.now()\n"
    )
    modules = module_files(tmp_path)
    graph, _ = import_graph(modules)
    assert graph["tracker.high"] == {"tracker.high.jobs"}
    assert graph["tracker.low.mail"] == {"tracker.high.jobs"}
    assert graph["tracker.high.jobs"] == {"tracker.low.mail"}
    assert describe_cycles(graph) == ["tracker.high.jobs -> tracker.low.mail -> tracker.high.jobs"]
    clock = modules["tracker.low.clock"]
    assert clock_reads(clock) == ["line 4: dt.now (datetime.datetime.now)"]
    assert "django.db" in {i.target for i in imports_of("tracker.low.clock", clock, modules)}
