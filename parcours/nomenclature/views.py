from dataclasses import dataclass, field

from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from parcours.core.text import fold
from parcours.nomenclature.models import CodeSystem, Concept


@dataclass
class Node:
    concept: Concept
    children: list["Node"] = field(default_factory=list)
    matches: bool = True


def build_tree(concepts: list[Concept], query: str = "") -> tuple[list[Node], int]:
    """Concepts (ordered by sort key) as a forest following parent codes.

    With a query, keep the concepts whose code or label contains it (ignoring accents and
    case) and their ancestors, so each match stays in its place in the hierarchy.
    Returns the roots and the number of matching concepts.
    """
    by_code = {concept.code: concept for concept in concepts}
    needle = fold(query)
    if needle:
        matching = {c.code for c in concepts if needle in fold(f"{c.code} {c.label} {c.short_label}")}
        kept = set(matching)
        for code in matching:
            parent = by_code[code].parent_code
            while parent and parent in by_code and parent not in kept:
                kept.add(parent)
                parent = by_code[parent].parent_code
    else:
        matching = kept = set(by_code)
    nodes = {code: Node(by_code[code], matches=code in matching) for code in by_code if code in kept}
    roots = []
    for concept in concepts:
        node = nodes.get(concept.code)
        if node is None:
            continue
        parent = nodes.get(concept.parent_code)
        (parent.children if parent is not None else roots).append(node)
    return roots, len(matching)


def system_list(request):
    systems = CodeSystem.objects.annotate(concept_count=Count("concepts")).order_by("name")
    return render(request, "nomenclature/system_list.html", {"systems": systems})


def system_detail(request, slug):
    system = get_object_or_404(CodeSystem, slug=slug)
    query = request.GET.get("q", "").strip()[:100]
    concepts = list(system.concepts.order_by("sort_key", "code"))
    roots, match_count = build_tree(concepts, query)
    return render(
        request,
        "nomenclature/system_detail.html",
        {
            "system": system,
            "query": query,
            "roots": roots,
            "match_count": match_count,
            "total": len(concepts),
        },
    )
