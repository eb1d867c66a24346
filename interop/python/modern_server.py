"""A server on the official MCP Python SDK v2 (`mcp` 2.x), which speaks 2026-07-28 over
Streamable HTTP: no `initialize`, `server/discover`, per-request `_meta`.

Usage: $HOME/.cache/oxmcp/interop/venv-v2/bin/python interop/python/modern_server.py

Listens on 127.0.0.1 (a free port) and prints its URL (`http://127.0.0.1:PORT/mcp`) on one
line once it accepts connections; serves until killed.

Tools:
- `echo {text}`: the text.
- `confirm`: asks the user a yes/no question through a multi round-trip request (the SDK's
  resolvers: `Resolve(...)` with `Elicit`), answers `confirmed` or `declined`.
- `slow_task {seconds}` and `ask_task`: with a small tasks extension
  (`io.modelcontextprotocol/tasks`, SEP-2663) written on the SDK's extension interface
  (`Extension`: a `tools/call` interceptor and the `tasks/get`, `tasks/update`,
  `tasks/cancel` methods). A call whose client declares the extension is answered with a
  task handle (`resultType: "task"`); `slow_task` works `seconds`, `ask_task` asks the
  user's name through the task's `inputRequests` (answered by `tasks/update`). Without the
  extension, both refuse with -32021.
"""

import asyncio
import datetime
import secrets
import socket
import sys
from typing import Annotated, Any

import uvicorn
from mcp.server.extension import Extension, MethodBinding
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel, ConfigDict, Field

EXTENSION = "io.modelcontextprotocol/tasks"
POLL_INTERVAL_MS = 100
TTL_MS = 60_000


class Confirmation(BaseModel):
    confirm: bool


async def ask_confirmation() -> Elicit[Confirmation]:
    return Elicit("Go ahead?", Confirmation)


class TaskIdParams(BaseModel):
    model_config = ConfigDict(extra="allow")
    task_id: str = Field(alias="taskId")


class UpdateParams(BaseModel):
    model_config = ConfigDict(extra="allow")
    task_id: str = Field(alias="taskId")
    input_responses: dict[str, Any] = Field(alias="inputResponses")


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")


def text_result(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": False}


class Task:
    """One task: its wire state, and the answers its work waits for."""

    def __init__(self) -> None:
        self.id = secrets.token_urlsafe(16)
        self.status = "working"
        self.created = now()
        self.updated = self.created
        self.result: dict[str, Any] | None = None
        self.input_requests: dict[str, Any] = {}
        self.answers: dict[str, asyncio.Future[Any]] = {}
        self.work: asyncio.Task[None] | None = None

    def set(self, status: str) -> None:
        self.status = status
        self.updated = now()

    def wire(self) -> dict[str, Any]:
        task: dict[str, Any] = {
            "taskId": self.id,
            "status": self.status,
            "createdAt": self.created,
            "lastUpdatedAt": self.updated,
            "ttlMs": TTL_MS,
            "pollIntervalMs": POLL_INTERVAL_MS,
        }
        if self.status == "input_required":
            task["inputRequests"] = dict(self.input_requests)
        if self.status == "completed":
            task["result"] = self.result
        return task

    async def ask(self, key: str, request: dict[str, Any]) -> Any:
        """Puts `request` in the task's inputRequests until `tasks/update` answers it."""
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.answers[key] = answer
        self.input_requests[key] = request
        self.set("input_required")
        try:
            return await answer
        finally:
            self.input_requests.pop(key, None)
            self.answers.pop(key, None)
            if self.status == "input_required" and not self.input_requests:
                self.set("working")


async def slow_task(task: Task, arguments: dict[str, Any]) -> dict[str, Any]:
    seconds = float(arguments.get("seconds", 0))
    await asyncio.sleep(seconds)
    return text_result(f"slept {seconds:g} s")


async def ask_task(task: Task, _arguments: dict[str, Any]) -> dict[str, Any]:
    form = {
        "method": "elicitation/create",
        "params": {
            "mode": "form",
            "message": "What is your name?",
            "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
        },
    }
    answer = await task.ask("name", form)
    if answer.get("action") != "accept":
        return text_result("Hello, stranger!")
    return text_result(f"Hello, {answer['content']['name']}!")


WORK = {"slow_task": slow_task, "ask_task": ask_task}


def declares_extension(params: Any) -> bool:
    meta = (params or {}).get("_meta") or {}
    capabilities = meta.get("io.modelcontextprotocol/clientCapabilities") or {}
    return EXTENSION in (capabilities.get("extensions") or {})


class Tasks(Extension):
    """The tasks extension, in memory: the calls of `WORK`'s tools become tasks."""

    identifier = EXTENSION

    def __init__(self) -> None:
        self.tasks: dict[str, Task] = {}

    def methods(self) -> list[MethodBinding]:
        return [
            MethodBinding("tasks/get", TaskIdParams, self.get),
            MethodBinding("tasks/update", UpdateParams, self.update),
            MethodBinding("tasks/cancel", TaskIdParams, self.cancel),
        ]

    async def intercept_tool_call(self, params: Any, ctx: Any, call_next: Any) -> Any:
        work = WORK.get(params.name)
        if work is None:
            return await call_next(ctx)
        if not declares_extension(ctx.params):
            raise MCPError(
                code=-32021,
                message=f"{params.name} runs only as a task: declare {EXTENSION}",
                data={"requiredCapabilities": {"extensions": {EXTENSION: {}}}},
            )
        task = Task()
        self.tasks[task.id] = task
        arguments = dict(params.arguments or {})

        async def run() -> None:
            try:
                task.result = await work(task, arguments)
                task.set("completed")
            except asyncio.CancelledError:
                task.set("cancelled")

        task.work = asyncio.get_running_loop().create_task(run())
        handle = task.wire()
        handle.pop("inputRequests", None)
        handle.pop("result", None)
        return {**handle, "resultType": "task"}

    def find(self, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None:
            raise MCPError(code=-32602, message=f"no task {task_id}")
        return task

    async def get(self, _ctx: Any, params: TaskIdParams) -> dict[str, Any]:
        return {**self.find(params.task_id).wire(), "resultType": "complete"}

    async def update(self, _ctx: Any, params: UpdateParams) -> dict[str, Any]:
        task = self.find(params.task_id)
        for key, answer in params.input_responses.items():
            waiting = task.answers.get(key)
            if waiting is not None and not waiting.done():
                waiting.set_result(answer)
        return {"resultType": "complete"}

    async def cancel(self, _ctx: Any, params: TaskIdParams) -> dict[str, Any]:
        task = self.find(params.task_id)
        if task.work is not None and not task.work.done():
            task.work.cancel()
        return {"resultType": "complete"}


def build() -> MCPServer:
    server = MCPServer("py-v2-server", version="2.3.0", extensions=[Tasks()])

    @server.tool()
    def echo(text: str) -> str:
        """Echoes `text`."""
        return text

    @server.tool()
    def confirm(answer: Annotated[Confirmation, Resolve(ask_confirmation)]) -> str:
        """Asks the user to confirm (a multi round-trip request)."""
        return "confirmed" if answer.confirm else "declined"

    @server.tool(name="slow_task")
    def slow_task_tool(seconds: float) -> str:
        """Works `seconds` (as a task of the tasks extension)."""
        return "never called: the extension runs it"

    @server.tool(name="ask_task")
    def ask_task_tool() -> str:
        """Asks the user's name (as a task of the tasks extension)."""
        return "never called: the extension runs it"

    return server


async def main() -> None:
    server = build()
    app = server.streamable_http_app()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning")
    http = uvicorn.Server(config)

    async def announce() -> None:
        while not http.started:
            await asyncio.sleep(0.05)
        print(f"http://127.0.0.1:{port}/mcp", flush=True)

    asyncio.get_running_loop().create_task(announce())
    await http.serve(sockets=[sock])


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
