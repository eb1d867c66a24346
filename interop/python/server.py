"""Interop fixture server built on the official MCP Python SDK (FastMCP over stdio).

Implements the fixture contract in interop/README.md.

Usage: $HOME/.cache/oxmcp/interop/venv/bin/python interop/python/server.py [--name NAME]
  --name NAME   serverInfo.name to report (default: interop-fixture)
"""

import argparse
import functools
from typing import Annotated, Any, Literal

import anyio
from mcp import types
from mcp.server.fastmcp import Context, FastMCP
from mcp.shared.exceptions import McpError
from pydantic import BaseModel

LoggingLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
SEVERITY: dict[str, int] = {
    level: index
    for index, level in enumerate(["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"])
}


class AddOutput(BaseModel):
    """Structured output of the `add` tool."""

    sum: float


def build(name: str) -> FastMCP:
    mcp = FastMCP(name, instructions="Interop fixture for oxmcp.", log_level="WARNING")
    state: dict[str, Any] = {"cancelled": 0, "min_level": None}

    def counted(fn):
        """Counts calls whose request was cancelled by the client.

        The SDK cancels a handler's task (anyio cancellation) when the client sends
        notifications/cancelled for its request.
        """

        @functools.wraps(fn)
        async def wrapper(*args, **kwargs):
            try:
                return await fn(*args, **kwargs)
            except anyio.get_cancelled_exc_class():
                state["cancelled"] += 1
                raise

        return wrapper

    def text(value: str) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(type="text", text=value)])

    @mcp.tool(description="Returns its text argument.", structured_output=False)
    @counted
    async def echo(text: str) -> str:
        return text

    @mcp.tool(description="Adds two numbers.")
    @counted
    async def add(a: float, b: float) -> Annotated[types.CallToolResult, AddOutput]:
        total = a + b
        # Integral sums are reported without a fractional part ("5", not "5.0").
        value: int | float = int(total) if float(total).is_integer() else total
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=str(value))],
            structuredContent={"sum": value},
        )

    @mcp.tool(
        description="Sends `steps` progress notifications when the request has a progress token.",
        structured_output=False,
    )
    @counted
    async def progress(steps: int, ctx: Context) -> str:
        # report_progress sends nothing when the request carries no progress token.
        for step in range(1, steps + 1):
            await ctx.report_progress(step, steps)
        return "done"

    @mcp.tool(description='Sends a log message (logger "interop") at the given level.', structured_output=False)
    @counted
    async def log(level: LoggingLevel, message: str, ctx: Context) -> str:
        # The Python SDK does not filter by the level set with logging/setLevel;
        # the fixture does it itself (see set_level below).
        min_level = state["min_level"]
        if min_level is None or SEVERITY[level] >= SEVERITY[min_level]:
            await ctx.session.send_log_message(
                level=level,
                data=message,
                logger="interop",
                related_request_id=ctx.request_context.request_id,
            )
        return "logged"

    @mcp.tool(description="Waits `seconds` seconds unless cancelled.", structured_output=False)
    @counted
    async def slow(seconds: float) -> str:
        await anyio.sleep(seconds)
        return "finished"

    @mcp.tool(description="Number of requests the client has cancelled so far.", structured_output=False)
    @counted
    async def cancelled_count() -> str:
        return str(state["cancelled"])

    @mcp.tool(description='Pings the client and returns "pong" once it answers.', structured_output=False)
    @counted
    async def ping_client(ctx: Context) -> str:
        await ctx.session.send_ping()
        return "pong"

    @mcp.tool(description="Always fails with a JSON-RPC internal error.", structured_output=False)
    @counted
    async def fail() -> str:
        raise McpError(types.ErrorData(code=types.INTERNAL_ERROR, message="deliberate failure"))

    tool_names = {"echo", "add", "progress", "log", "slow", "cancelled_count", "ping_client", "fail"}

    # FastMCP has no public logging/setLevel hook; register one on the
    # low-level server (this also makes it advertise the logging capability).
    lowlevel = mcp._mcp_server

    @lowlevel.set_logging_level()
    async def set_level(level: types.LoggingLevel) -> None:
        state["min_level"] = level

    # The low-level tools/call handler FastMCP installs turns every exception,
    # McpError included, into a successful result with isError: true (also for
    # unknown tools). The fixture contract wants JSON-RPC errors for `fail`
    # (-32603) and unknown tools (-32602), so tools/call is wrapped: those two
    # cases raise McpError, which the server turns into a JSON-RPC error
    # response; everything else goes to FastMCP's handler.
    sdk_call_tool = lowlevel.request_handlers[types.CallToolRequest]

    async def call_tool(request: types.CallToolRequest):
        tool = request.params.name
        if tool not in tool_names:
            raise McpError(types.ErrorData(code=types.INVALID_PARAMS, message=f"Unknown tool: {tool}"))
        if tool == "fail":
            raise McpError(types.ErrorData(code=types.INTERNAL_ERROR, message="deliberate failure"))
        return await sdk_call_tool(request)

    lowlevel.request_handlers[types.CallToolRequest] = call_tool
    return mcp


def main() -> None:
    parser = argparse.ArgumentParser(description="MCP interop fixture server (Python SDK, stdio)")
    parser.add_argument("--name", default="interop-fixture", help="serverInfo.name to report")
    args = parser.parse_args()
    build(args.name).run("stdio")


if __name__ == "__main__":
    main()
