"""No two modules of the application import each other, directly or through others (issue 19:
"no cycles"). The graph is grimp's (the library import-linter runs on), so it counts every import
statement, those inside functions and under ``TYPE_CHECKING`` too: a cycle hidden in a function
is still a cycle. Break one by moving the shared piece down a layer, never by deferring an import.

grimp 3 has no cycle finder of its own (``find_shortest_chain`` only), so the strongly connected
groups are found here (Tarjan) and grimp names the shortest way round each."""

from __future__ import annotations

import grimp

PACKAGES = ("berrys_app", "workers")


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other (directly or through the others in the group)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            step = next(imported, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[module] = min(low[module], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One way round the group: ``a -> b -> ... -> a`` (grimp's shortest chains)."""
    first = group[0]
    back = min(
        (
            chain
            for other in graph.find_modules_directly_imported_by(first)
            if other in group
            for chain in [graph.find_shortest_chain(importer=other, imported=first)]
            if chain
        ),
        key=len,
    )
    return " -> ".join((first, *back)) + f"  ({len(group)} modules: {', '.join(group)})"


def test_the_walk_finds_every_cycle_and_names_a_way_round_it() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.c"),
        ("pkg.c", "pkg.a"),  # a -> b -> c -> a
        ("pkg.c", "pkg.d"),  # d only imported: outside the cycle
        ("pkg.e", "pkg.f"),
        ("pkg.f", "pkg.e"),  # e <-> f
        ("pkg.g", "pkg.a"),
    ]:
        graph.add_import(importer=importer, imported=imported)
    found = cycles(graph)
    assert found == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.e", "pkg.f"]]
    assert describe(graph, found[0]).startswith("pkg.a -> pkg.b -> pkg.c -> pkg.a")
    assert describe(graph, found[1]).startswith("pkg.e -> pkg.f -> pkg.e")


def test_no_modules_of_the_application_import_each_other_in_a_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert len(graph.modules) > 50, "the graph must hold the application's modules"
    assert graph.direct_import_exists(
        importer="berrys_app.services.models.registry", imported="berrys_app.services.models.scripted"
    ), "the graph must hold the application's imports"
    found = cycles(graph)
    assert not found, (
        f"{len(found)} import cycle(s); move the shared piece down a layer (not into a function):\n"
        + "\n".join(describe(graph, group) for group in found)
    )
