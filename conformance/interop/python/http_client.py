"""The official MCP Python SDK client against the oxmcp conformance fixture over Streamable
HTTP: lists and calls everything the fixture offers, including `test_reconnection`, whose
SSE stream the server cuts mid-call (the SDK resumes it with GET and Last-Event-ID).

Usage: $HOME/.cache/oxmcp/interop/venv/bin/python conformance/interop/python/http_client.py URL

Prints one JSON line per check ({"check", "ok", "detail"}) and exits 0 only if every check
passed. The whole run is limited to 30 seconds.
"""

import json
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client

OVERALL_TIMEOUT_S = 30.0


class Checks:
    def __init__(self) -> None:
        self.failures = 0

    async def run(self, name: str, body: Callable[[], Awaitable[Any]]) -> None:
        try:
            detail = await body()
            print(json.dumps({"check": name, "ok": True, "detail": detail}), flush=True)
        except Exception:  # noqa: BLE001 - every failure becomes a failed check
            self.failures += 1
            print(json.dumps({"check": name, "ok": False, "detail": traceback.format_exc()}), flush=True)


def expect(condition: Any, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def text(result: types.CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def sampling(_ctx: Any, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
    prompt = params.messages[0].content
    said = prompt.text if isinstance(prompt, types.TextContent) else "?"
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=f"echo of {said}"),
        model="interop-model",
        stopReason="endTurn",
    )


async def elicitation(_ctx: Any, _params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"username": "ada", "email": "ada@example.com"})


async def main(url: str) -> int:
    checks = Checks()
    logs: list[types.LoggingMessageNotificationParams] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params)

    async with streamable_http_client(url) as (read, write, session_id):
        async with ClientSession(
            read,
            write,
            sampling_callback=sampling,
            elicitation_callback=elicitation,
            logging_callback=on_log,
        ) as session:

            async def initialize() -> Any:
                result = await session.initialize()
                expect(session_id(), "no session id")
                expect(result.serverInfo.name == "oxmcp-conformance-server", result.serverInfo.name)
                return result.protocolVersion

            async def list_tools() -> Any:
                names = [t.name for t in (await session.list_tools()).tools]
                for name in ("test_simple_text", "test_sampling", "test_reconnection"):
                    expect(name in names, f"missing {name} in {names}")
                return len(names)

            async def simple_text() -> None:
                result = await session.call_tool("test_simple_text", {})
                expect(text(result) == "This is a simple text response for testing.", text(result))

            async def error() -> None:
                result = await session.call_tool("test_error_handling", {})
                expect(result.isError, "isError")

            async def progress() -> None:
                seen: list[float] = []

                async def on_progress(value: float, _total: float | None, _message: str | None) -> None:
                    seen.append(value)

                await session.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
                expect(seen == [0, 50, 100], f"progress {seen}")

            async def logging() -> None:
                await session.set_logging_level("debug")
                await session.call_tool("test_tool_with_logging", {})
                expect(len(logs) >= 3, f"{len(logs)} log messages")

            async def sample() -> None:
                result = await session.call_tool("test_sampling", {"prompt": "hi"})
                expect(text(result) == "LLM response: echo of hi", text(result))

            async def elicit() -> None:
                result = await session.call_tool("test_elicitation", {"message": "who?"})
                expect("action=accept" in text(result) and "ada@example.com" in text(result), text(result))

            async def reconnection() -> None:
                result = await session.call_tool("test_reconnection", {})
                expect(text(result).startswith("Reconnection test completed successfully"), text(result))

            async def resources() -> None:
                listed = (await session.list_resources()).resources
                expect(len(listed) == 3, f"{len(listed)} resources")
                read = await session.read_resource("test://template/42/data")
                first = read.contents[0]
                expect(isinstance(first, types.TextResourceContents), "text contents")
                expect(json.loads(first.text)["id"] == "42", first.text)

            async def prompts() -> None:
                got = await session.get_prompt("test_prompt_with_arguments", {"arg1": "a", "arg2": "b"})
                content = got.messages[0].content
                expect(isinstance(content, types.TextContent), "text content")
                expect(content.text == "Prompt with arguments: arg1='a', arg2='b'", content.text)

            await checks.run("initialize", initialize)
            await checks.run("tools/list", list_tools)
            await checks.run("tools/call test_simple_text", simple_text)
            await checks.run("tools/call test_error_handling", error)
            await checks.run("tools/call test_tool_with_progress", progress)
            await checks.run("tools/call test_tool_with_logging", logging)
            await checks.run("tools/call test_sampling", sample)
            await checks.run("tools/call test_elicitation", elicit)
            await checks.run("tools/call test_reconnection (stream cut and resumed)", reconnection)
            await checks.run("resources", resources)
            await checks.run("prompts", prompts)
    return 0 if checks.failures == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: http_client.py URL", file=sys.stderr)
        sys.exit(2)
    code = 1

    async def bounded() -> None:
        global code
        with anyio.fail_after(OVERALL_TIMEOUT_S):
            code = await main(sys.argv[1])

    anyio.run(bounded)
    sys.exit(code)
