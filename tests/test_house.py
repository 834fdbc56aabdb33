"""The house: which room each module lives in, the layer order the README gives, and
that no import runs from a lower layer to a higher one (function-level imports too)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "newscrawl"
README = PACKAGE.parent / "README.md"

# Bottom to top, as the README's "Layout" section numbers them from 1. A module may
# import its own layer or lower ones only; the layers up to PURE_TOP never import Scrapy.
LAYERS = [
    ("newscrawl.text", "newscrawl.ids", "newscrawl.guards", "newscrawl.secrets"),
    ("newscrawl.items", "newscrawl.schema"),
    ("newscrawl.pages",),
    ("newscrawl.processing", "newscrawl"),
    ("newscrawl.discovery", "newscrawl.feeds", "newscrawl.state", "newscrawl.monitoring", "newscrawl.archives",
     "newscrawl.revisions"),
    ("newscrawl.warc",),
    ("newscrawl.analysis", "newscrawl.scheduling", "newscrawl.mirror"),
    ("newscrawl.components",),
    ("newscrawl.settings", "newscrawl.pipelines", "newscrawl.middlewares", "newscrawl.spiders", "newscrawl.commands"),
    ("newscrawl.cli", "newscrawl.__main__"),
]
PURE_TOP = 6  # index of the README's layer 7: analysis, scheduling, mirror
SCRAPY_PACKAGES = ("scrapy", "spidermon", "twisted", "itemadapter")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    """The room a module belongs to: newscrawl.<first part> (or newscrawl itself)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def layer_of(module: str) -> int:
    for number, rooms in enumerate(LAYERS):
        if room(module) in rooms:
            return number
    raise AssertionError(f"{module} is in no layer: add its room to LAYERS and to the README's Layout")


def imports(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file, wherever it is."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "newscrawl":  # from newscrawl import health: a module, or a name of the package
                found += [(f"newscrawl.{alias.name}" if (PACKAGE / alias.name).exists()
                           or (PACKAGE / f"{alias.name}.py").exists() else "newscrawl", node.lineno)
                          for alias in node.names]
            else:
                found.append((node.module, node.lineno))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_layer():
    for path in MODULES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: module_name(path))
def test_no_import_runs_upward_and_pure_layers_never_import_scrapy(path):
    module = module_name(path)
    own = layer_of(module)
    for imported, line in imports(path):
        if imported.split(".")[0] in SCRAPY_PACKAGES:
            assert own > PURE_TOP, f"{module}:{line} imports {imported}, but {room(module)} is a pure room"
        elif imported == "newscrawl" or imported.startswith("newscrawl."):
            assert layer_of(imported) <= own, (f"{module}:{line} imports {imported} from layer {layer_of(imported)}, "
                                               f"above its own layer {own}")


def test_rooms_do_not_import_each_other_in_a_cycle():
    edges: dict[str, set[str]] = {}
    for path in MODULES:
        source = room(module_name(path))
        for imported, _ in imports(path):
            if imported.startswith("newscrawl.") and room(imported) != source:
                edges.setdefault(source, set()).add(room(imported))

    def reaches(start, goal, seen=()):
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, (*seen, nxt))) for nxt in edges.get(start, ()))

    cycles = sorted(source for source in edges if reaches(source, source))
    assert not cycles, f"rooms in an import cycle: {cycles}"


def test_the_package_root_holds_at_most_twelve_modules():
    assert len(list(PACKAGE.glob("*.py"))) <= 12


def test_the_readme_layout_names_every_room_in_layer_order():
    layout = README.read_text(encoding="utf-8").split("## Layout", 1)[1]
    unlisted = ("newscrawl", "newscrawl.__main__")  # the package itself; `python -m newscrawl`
    rooms = [r.removeprefix("newscrawl.").replace(".", "/") for rooms in LAYERS for r in rooms if r not in unlisted]
    positions = []
    for name in rooms:
        wanted = f"newscrawl/{name}/" if (PACKAGE / name).is_dir() else f"newscrawl/{name}.py"
        assert wanted in layout, f"the README's layout does not name {wanted}"
        positions.append(layout.index(wanted))
    layer_starts = []
    index = 0
    for rooms_of_layer in LAYERS:
        count = sum(1 for r in rooms_of_layer if r not in unlisted)
        layer_starts.append(positions[index:index + count])
        index += count
    for lower, higher in zip(layer_starts, layer_starts[1:]):
        assert max(lower) < min(higher), "the README's layout lists the layers out of order"
