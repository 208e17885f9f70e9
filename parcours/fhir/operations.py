"""Named operations ($export, $lookup, $validate-code, $tddui...): each module registers its own.

A handler is called as handler(request, ctx, resource_type=..., obj=...) and returns a dict (answered
as JSON with status 200) or an HttpResponse."""

from dataclasses import dataclass

SYSTEM = "system"
TYPE = "type"
INSTANCE = "instance"


@dataclass(frozen=True)
class Operation:
    name: str
    level: str
    resource_type: str | None
    handler: object
    methods: tuple[str, ...]
    # The scope it needs: (resource type, or "*" for the type it is called on, "read" or "write"); None
    # when the handler checks the scopes itself (e.g. a system-level $export, type by type).
    scope: tuple[str, str] | None
    description: str = ""


_operations: dict[tuple[str, str, str | None], Operation] = {}


def operation(name: str, *, level: str, resource_type: str | None = None, methods=("GET", "POST"),
              scope=("*", "read"), description: str = ""):  # fmt: skip
    def decorator(handler):
        _operations[(name, level, resource_type)] = Operation(
            name, level, resource_type, handler, tuple(methods), scope, description
        )
        return handler

    return decorator


def find(name: str, level: str, resource_type: str | None) -> Operation | None:
    return _operations.get((name, level, resource_type))


def all_operations() -> list[Operation]:
    return list(_operations.values())
