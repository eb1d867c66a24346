"""Interop client built on the official MCP Python SDK.

Spawns a stdio MCP server and checks it against the fixture contract in
interop/README.md.

Usage: $HOME/.cache/oxmcp/interop/venv/bin/python interop/python/client.py \
           [--expect-name NAME] -- <command> [args...]

Prints one JSON line per check ({"check", "ok", "detail"}) and exits 0 only if
every check passed. The whole run is limited to 30 seconds.
"""

import json
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import McpError
from mcp.shared.message import SessionMessage
from pydantic import BaseModel

OVERALL_TIMEOUT_S = 30.0
# Generous: a Python peer spends ~1.5 s importing the SDK, much more on a busy machine.
INITIALIZE_TIMEOUT_S = 20.0
EXPECTED_PROTOCOL_VERSION = "2025-11-25"
EXPECTED_INSTRUCTIONS = "Interop fixture for oxmcp."

# Expected tools: name -> ({property: JSON Schema type}, required properties).
EXPECTED_TOOLS: dict[str, tuple[dict[str, str], list[str]]] = {
    "echo": ({"text": "string"}, ["text"]),
    "add": ({"a": "number", "b": "number"}, ["a", "b"]),
    "progress": ({"steps": "integer"}, ["steps"]),
    "log": ({"level": "string", "message": "string"}, ["level", "message"]),
    "slow": ({"seconds": "number"}, ["seconds"]),
    "cancelled_count": ({}, []),
    "ping_client": ({}, []),
    "fail": ({}, []),
}


class CheckFailed(Exception):
    pass


def expect(condition: Any, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def describe_error(err: BaseException) -> Any:
    if isinstance(err, CheckFailed):
        return str(err)
    if isinstance(err, TimeoutError):
        return f"timed out: {err}" if str(err) else "timed out"
    if isinstance(err, McpError):
        return {"error": err.error.message, "code": err.error.code, "data": jsonable(err.error.data)}
    return f"{type(err).__name__}: {err}"


class Reporter:
    def __init__(self) -> None:
        self.failures = 0

    def report(self, check: str, ok: bool, detail: Any) -> None:
        if not ok:
            self.failures += 1
        print(json.dumps({"check": check, "ok": ok, "detail": jsonable(detail)}), flush=True)

    async def check(self, name: str, fn: Callable[[], Awaitable[Any]]) -> bool:
        try:
            detail = await fn()
        except Exception as err:  # noqa: BLE001 - every failure becomes a check result
            self.report(name, False, describe_error(err))
            return False
        self.report(name, True, detail)
        return True


class RecordingSendStream:
    """Wraps the transport's write stream to record the requests the session sends.

    The Python SDK neither exposes the JSON-RPC id of an in-flight request nor
    sends notifications/cancelled when the caller cancels one, so the cancellation
    check reads the id here and sends the notification itself.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.requests: list[types.JSONRPCRequest] = []

    async def send(self, item: SessionMessage) -> None:
        root = item.message.root
        if isinstance(root, types.JSONRPCRequest):
            self.requests.append(root)
        await self._inner.send(item)

    async def __aenter__(self) -> "RecordingSendStream":
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._inner.__aexit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def only_text(result: types.CallToolResult) -> str:
    expect(not result.isError, f"tool result has isError: {jsonable(result)}")
    content = result.content
    expect(
        len(content) == 1 and isinstance(content[0], types.TextContent),
        f"expected exactly one text block, got {jsonable(content)}",
    )
    return content[0].text


async def expect_jsonrpc_error(call: Callable[[], Awaitable[Any]], code: int, message_part: str | None = None) -> Any:
    try:
        result = await call()
    except McpError as err:
        expect(err.error.code == code, f"expected JSON-RPC error {code}, got {describe_error(err)}")
        if message_part is not None:
            expect(message_part in err.error.message, f'error message lacks "{message_part}": {err.error.message}')
        return {"code": err.error.code, "message": err.error.message}
    raise CheckFailed(f"expected JSON-RPC error {code}, got result {jsonable(result)}")


async def run(reporter: Reporter, expect_name: str, command: list[str]) -> None:
    params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    log_messages: list[types.LoggingMessageNotificationParams] = []

    async def on_log(message: types.LoggingMessageNotificationParams) -> None:
        log_messages.append(message)

    async with stdio_client(params) as (read_stream, write_stream):
        recorder = RecordingSendStream(write_stream)
        async with ClientSession(
            read_stream,
            recorder,  # type: ignore[arg-type]
            logging_callback=on_log,
            client_info=types.Implementation(name="oxmcp-interop-python-client", version="1.0.0"),
        ) as session:
            init: dict[str, types.InitializeResult] = {}

            async def initialize() -> Any:
                with anyio.fail_after(INITIALIZE_TIMEOUT_S):
                    init["result"] = await session.initialize()
                return {"serverInfo": init["result"].serverInfo}

            if not await reporter.check("initialize", initialize):
                return
            result = init["result"]

            async def protocol_version() -> Any:
                expect(
                    result.protocolVersion == EXPECTED_PROTOCOL_VERSION,
                    f"negotiated {result.protocolVersion}, expected {EXPECTED_PROTOCOL_VERSION}",
                )
                return result.protocolVersion

            async def server_info() -> Any:
                expect(
                    result.serverInfo.name == expect_name,
                    f"serverInfo.name is {result.serverInfo.name!r}, expected {expect_name}",
                )
                return result.serverInfo

            async def instructions() -> Any:
                expect(result.instructions == EXPECTED_INSTRUCTIONS, f"instructions are {result.instructions!r}")
                return result.instructions

            async def capabilities() -> Any:
                caps = result.capabilities
                expect(caps.tools is not None, "no tools capability")
                expect(caps.logging is not None, "no logging capability")
                return caps

            async def ping() -> Any:
                return await session.send_ping()

            async def tools_list() -> Any:
                tools = (await session.list_tools()).tools
                by_name = {tool.name: tool for tool in tools}
                for name, (props, required) in EXPECTED_TOOLS.items():
                    expect(name in by_name, f"tool {name} missing")
                    schema = by_name[name].inputSchema
                    expect(schema.get("type") == "object", f"{name}: inputSchema.type is {schema.get('type')}")
                    for prop, type_ in props.items():
                        actual = schema.get("properties", {}).get(prop, {}).get("type")
                        expect(actual == type_, f"{name}.{prop}: type {actual!r}, expected {type_}")
                    for prop in required:
                        expect(prop in schema.get("required", []), f"{name}: {prop} not required")
                return [tool.name for tool in tools]

            async def call_echo() -> Any:
                got = only_text(await session.call_tool("echo", {"text": "hello interop"}))
                expect(got == "hello interop", f"echo returned {got!r}")
                return got

            async def call_add() -> Any:
                for a, b, want_text, want_sum in [(2, 3, "5", 5), (1.5, 2.25, "3.75", 3.75)]:
                    res = await session.call_tool("add", {"a": a, "b": b})
                    got = only_text(res)
                    expect(got == want_text, f"add({a}, {b}) text {got!r}, expected {want_text}")
                    expect(
                        res.structuredContent == {"sum": want_sum},
                        f"add({a}, {b}) structuredContent {res.structuredContent!r}",
                    )
                return "ok"

            async def call_progress() -> Any:
                updates: list[dict[str, Any]] = []

                async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                    updates.append({"progress": progress, "total": total})

                got = only_text(await session.call_tool("progress", {"steps": 3}, progress_callback=on_progress))
                expect(got == "done", f"progress returned {got!r}")
                expect(len(updates) == 3, f"expected 3 progress notifications, got {updates}")
                for i, update in enumerate(updates):
                    expect(update["total"] == 3, f"progress total {update['total']}")
                    if i > 0:
                        expect(update["progress"] > updates[i - 1]["progress"], "progress not increasing")
                expect(updates[2]["progress"] == 3, f"last progress {updates[2]['progress']}")
                return updates

            async def logging() -> Any:
                await session.set_logging_level("warning")
                log_messages.clear()
                below = await session.call_tool("log", {"level": "info", "message": "must not arrive"})
                expect(only_text(below) == "logged", 'log(info) did not return "logged"')
                above = await session.call_tool("log", {"level": "error", "message": "must arrive"})
                expect(only_text(above) == "logged", 'log(error) did not return "logged"')
                for _ in range(20):
                    if log_messages:
                        break
                    await anyio.sleep(0.025)
                await anyio.sleep(0.05)
                expect(len(log_messages) == 1, f"expected exactly one log message, got {jsonable(log_messages)}")
                msg = log_messages[0]
                expect(msg.level == "error", f"level {msg.level}")
                expect(msg.logger == "interop", f"logger {msg.logger}")
                expect(msg.data == "must arrive", f"data {msg.data!r}")
                return msg

            async def ping_client() -> Any:
                got = only_text(await session.call_tool("ping_client", {}))
                expect(got == "pong", f"ping_client returned {got!r}")
                return got

            async def cancel_slow() -> Any:
                started = time.monotonic()
                sent_before = len(recorder.requests)
                outcome: dict[str, Any] = {}

                async def call_slow() -> None:
                    outcome["result"] = await session.call_tool("slow", {"seconds": 30})

                async with anyio.create_task_group() as tg:
                    tg.start_soon(call_slow)
                    await anyio.sleep(0.2)
                    # Cancelling the awaiting task only stops waiting locally ...
                    tg.cancel_scope.cancel()
                expect("result" not in outcome, f"slow was not cancelled: {jsonable(outcome.get('result'))}")
                slow_requests = [
                    r
                    for r in recorder.requests[sent_before:]
                    if r.method == "tools/call" and (r.params or {}).get("name") == "slow"
                ]
                expect(len(slow_requests) == 1, f"found {len(slow_requests)} slow requests on the wire")
                # ... so tell the server, as the protocol asks.
                await session.send_notification(
                    types.ClientNotification(
                        types.CancelledNotification(
                            params=types.CancelledNotificationParams(
                                requestId=slow_requests[0].id, reason="cancelled by interop client"
                            )
                        )
                    )
                )
                elapsed_ms = round((time.monotonic() - started) * 1000)
                expect(elapsed_ms < 5000, f"cancellation took {elapsed_ms} ms")
                return {"elapsed_ms": elapsed_ms, "request_id": slow_requests[0].id}

            async def echo_after_cancel() -> Any:
                got = only_text(await session.call_tool("echo", {"text": "still alive"}))
                expect(got == "still alive", f"echo returned {got!r}")
                return got

            async def cancelled_count() -> Any:
                got = only_text(await session.call_tool("cancelled_count", {}))
                expect(got == "1", f'cancelled_count returned {got!r}, expected "1"')
                return got

            async def call_fail() -> Any:
                return await expect_jsonrpc_error(
                    lambda: session.call_tool("fail", {}), types.INTERNAL_ERROR, "deliberate failure"
                )

            async def unknown_tool() -> Any:
                return await expect_jsonrpc_error(lambda: session.call_tool("nope", {}), types.INVALID_PARAMS)

            for name, fn in [
                ("protocol_version", protocol_version),
                ("server_info", server_info),
                ("instructions", instructions),
                ("capabilities", capabilities),
                ("ping", ping),
                ("tools_list", tools_list),
                ("call_echo", call_echo),
                ("call_add", call_add),
                ("call_progress", call_progress),
                ("logging", logging),
                ("ping_client", ping_client),
                ("cancel_slow", cancel_slow),
                ("echo_after_cancel", echo_after_cancel),
                ("cancelled_count", cancelled_count),
                ("call_fail", call_fail),
                ("unknown_tool", unknown_tool),
            ]:
                await reporter.check(name, fn)


def usage(message: str) -> None:
    sys.stderr.write(f"client.py: {message}\nusage: client.py [--expect-name NAME] -- <command> [args...]\n")
    sys.exit(2)


def main() -> None:
    argv = sys.argv[1:]
    expect_name = "oxmcp-interop-server"
    command: list[str] | None = None
    i = 0
    while i < len(argv):
        if argv[i] == "--expect-name":
            if i + 1 >= len(argv):
                usage("--expect-name needs a value")
            expect_name = argv[i + 1]
            i += 2
        elif argv[i] == "--":
            command = argv[i + 1 :]
            break
        else:
            usage(f"unexpected argument {argv[i]}")
    if not command:
        usage("missing server command after --")
    assert command is not None

    reporter = Reporter()

    # Last resort if the event loop itself is stuck (e.g. a hung process exit).
    def hard_stop() -> None:
        reporter.report("overall_timeout", False, f"run did not finish within {OVERALL_TIMEOUT_S + 5:.0f} s")
        os._exit(1)

    watchdog = threading.Timer(OVERALL_TIMEOUT_S + 5, hard_stop)
    watchdog.daemon = True
    watchdog.start()

    async def bounded() -> None:
        try:
            with anyio.fail_after(OVERALL_TIMEOUT_S):
                await run(reporter, expect_name, command)
        except TimeoutError:
            reporter.report("overall_timeout", False, f"run did not finish within {OVERALL_TIMEOUT_S:.0f} s")
        except Exception as err:  # noqa: BLE001
            reporter.report("run", False, describe_error(err))

    anyio.run(bounded)
    watchdog.cancel()
    sys.exit(0 if reporter.failures == 0 else 1)


if __name__ == "__main__":
    main()
