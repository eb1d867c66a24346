"""The official MCP Python SDK client driving the task tools of the oxmcp everything server.

Uses `session.experimental` (MCP 2025-11-25 tasks, deprecated in the SDK but present in
1.30.0): `long_running` as a task, polled to `completed` with its result; `confirm_task`,
whose elicitation (related to the task) the client answers; `failing_task`, which ends
`failed` with an `isError` result; a cancellation; `tasks/list`.

Usage: $HOME/.cache/oxmcp/interop/venv/bin/python interop/python/tasks_client.py \
           -- <command> [args...]                       (stdio)
       ... interop/python/tasks_client.py http://127.0.0.1:P/mcp   (Streamable HTTP)

Prints one JSON line per check ({"check", "ok", "detail"}) and exits 0 only if every
check passed. The whole run is limited to 60 seconds.
"""

import json
import os
import sys
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

# The SDK marks its task API deprecated (tasks leave the protocol after 2025-11-25).
warnings.filterwarnings("ignore", category=DeprecationWarning)

RELATED_TASK = "io.modelcontextprotocol/related-task"
TERMINAL = ("completed", "failed", "cancelled")


class CheckFailed(Exception):
    pass


def expect(condition: Any, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Reporter:
    def __init__(self) -> None:
        self.failures = 0

    def report(self, check: str, ok: bool, detail: Any) -> None:
        if not ok:
            self.failures += 1
        print(json.dumps({"check": check, "ok": ok, "detail": detail}, default=str), flush=True)

    async def check(self, name: str, fn: Callable[[], Awaitable[Any]]) -> None:
        try:
            self.report(name, True, await fn())
        except CheckFailed as err:
            self.report(name, False, str(err))
        except McpError as err:
            self.report(name, False, {"error": err.error.message, "code": err.error.code})
        except Exception as err:  # noqa: BLE001
            self.report(name, False, repr(err))


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def related_task(meta: Any) -> str | None:
    if meta is None:
        return None
    dumped = meta if isinstance(meta, dict) else meta.model_dump(by_alias=True)
    return (dumped.get(RELATED_TASK) or {}).get("taskId")


async def expect_error(call: Callable[[], Awaitable[Any]], code: int) -> None:
    try:
        result = await call()
    except McpError as err:
        expect(err.error.code == code, f"expected error {code}, got {err.error.code}: {err.error.message}")
        return
    raise CheckFailed(f"expected error {code}, got {result!r}")


class User:
    """Answers elicitations: confirms, remembering which task asked."""

    def __init__(self) -> None:
        self.asked_for: list[str | None] = []

    async def elicit(self, _context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.asked_for.append(related_task(params.meta))
        return types.ElicitResult(action="accept", content={"confirmed": True, "comment": "from python"})


async def poll(session: ClientSession, task_id: str) -> list[str]:
    """Polls the task (at its pollInterval) until it is terminal; the statuses seen, in order."""
    seen: list[str] = []
    with anyio.fail_after(30):
        async for status in session.experimental.poll_task(task_id):
            if not seen or seen[-1] != status.status:
                seen.append(status.status)
    return seen


async def run_checks(reporter: Reporter, session: ClientSession, user: User) -> None:
    created: list[str] = []

    async def initialize() -> Any:
        with anyio.fail_after(20):
            result = await session.initialize()
        tasks = result.capabilities.tasks
        expect(tasks is not None and tasks.requests is not None, f"no tasks capability: {result.capabilities}")
        expect(tasks.list is not None and tasks.cancel is not None, "no tasks.list / tasks.cancel")
        return result.serverInfo.name

    async def long_running() -> Any:
        created_task = await session.experimental.call_tool_as_task("long_running", {"seconds": 1}, ttl=60_000)
        task = created_task.task
        created.append(task.taskId)
        expect(task.status == "working", f"created {task.status}")
        expect(task.ttl == 60_000, f"ttl {task.ttl}")
        seen = await poll(session, task.taskId)
        expect(seen[-1] == "completed", f"statuses {seen}")
        result = await session.experimental.get_task_result(task.taskId, types.CallToolResult)
        expect(text_of(result) == "worked for 1.0 s in 4 steps", text_of(result))
        expect(related_task(result.meta) == task.taskId, f"related-task _meta {result.meta}")
        return {"taskId": task.taskId, "statuses": seen, "text": text_of(result)}

    async def input_required() -> Any:
        created_task = await session.experimental.call_tool_as_task("confirm_task", {"action": "deploy"})
        task_id = created_task.task.taskId
        created.append(task_id)
        with anyio.fail_after(30):
            result = await session.experimental.get_task_result(task_id, types.CallToolResult)
        expect(text_of(result) == "deploy confirmed: confirmed=true, comment=from python", text_of(result))
        expect(task_id in user.asked_for, f"no elicitation related to {task_id}: {user.asked_for}")
        status = await session.experimental.get_task(task_id)
        expect(status.status == "completed", f"tasks/get: {status.status}")
        return {"taskId": task_id, "text": text_of(result)}

    async def failing() -> Any:
        created_task = await session.experimental.call_tool_as_task("failing_task", {"reason": "disk full"})
        task_id = created_task.task.taskId
        created.append(task_id)
        seen = await poll(session, task_id)
        expect(seen[-1] == "failed", f"statuses {seen}")
        status = await session.experimental.get_task(task_id)
        expect(status.statusMessage == "tool execution failed: disk full", f"statusMessage {status.statusMessage}")
        result = await session.experimental.get_task_result(task_id, types.CallToolResult)
        expect(result.isError is True, f"tasks/result: {result}")
        expect(text_of(result) == "disk full", text_of(result))
        return {"taskId": task_id, "statusMessage": status.statusMessage, "isError": result.isError}

    async def cancel() -> Any:
        created_task = await session.experimental.call_tool_as_task("long_running", {"seconds": 60})
        task_id = created_task.task.taskId
        created.append(task_id)
        cancelled = await session.experimental.cancel_task(task_id)
        expect(cancelled.status == "cancelled", f"tasks/cancel answered {cancelled.status}")
        status = await session.experimental.get_task(task_id)
        expect(status.status == "cancelled", f"tasks/get: {status.status}")
        await expect_error(lambda: session.experimental.cancel_task(task_id), -32602)
        return {"taskId": task_id, "statusMessage": status.statusMessage}

    async def listed() -> Any:
        tasks: list[types.Task] = []
        cursor = None
        while True:
            page = await session.experimental.list_tasks(cursor)
            tasks.extend(page.tasks)
            cursor = page.nextCursor
            if not cursor:
                break
        ids = {t.taskId for t in tasks}
        missing = [t for t in created if t not in ids]
        expect(not missing, f"not listed: {missing}")
        await expect_error(lambda: session.experimental.get_task("0" * 32), -32602)
        return {"listed": len(tasks), "statuses": [t.status for t in tasks]}

    await reporter.check("initialize", initialize)
    await reporter.check("long_running", long_running)
    await reporter.check("input_required (confirm_task)", input_required)
    await reporter.check("failed (failing_task)", failing)
    await reporter.check("cancel", cancel)
    await reporter.check("tasks/list", listed)


@asynccontextmanager
async def connect(target: list[str] | str) -> AsyncIterator[tuple[Any, Any]]:
    if isinstance(target, str):
        async with streamable_http_client(target) as (read_stream, write_stream, _session_id):
            yield read_stream, write_stream
    else:
        params = StdioServerParameters(command=target[0], args=target[1:], env=dict(os.environ))
        async with stdio_client(params) as (read_stream, write_stream):
            yield read_stream, write_stream


async def run(reporter: Reporter, target: list[str] | str) -> None:
    user = User()
    async with connect(target) as (read_stream, write_stream), ClientSession(
        read_stream,
        write_stream,
        elicitation_callback=user.elicit,
        client_info=types.Implementation(name="oxmcp-interop-python-tasks-client", version="1.0.0"),
    ) as session:
        await run_checks(reporter, session, user)


def main() -> int:
    argv = sys.argv[1:]
    if "--" in argv and argv.index("--") + 1 < len(argv):
        target: list[str] | str = argv[argv.index("--") + 1:]
    elif len(argv) == 1 and argv[0].startswith("http"):
        target = argv[0]
    else:
        print("usage: tasks_client.py -- <command> [args...] | tasks_client.py URL", file=sys.stderr)
        return 2
    reporter = Reporter()

    async def bounded() -> None:
        with anyio.fail_after(60):
            await run(reporter, target)

    anyio.run(bounded)
    return 0 if reporter.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
