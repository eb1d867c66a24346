"""Everything client on the official MCP Python SDK v2 (`mcp` 2.x), in the 2026-07-28 era.

Talks to the oxmcp everything server over Streamable HTTP with no `initialize`: the SDK
probes `server/discover` (`mode="auto"`) or adopts 2026-07-28 directly (`--mode pin`).
Elicitation, sampling and roots come back as `input_required` results that the SDK answers
through its callbacks and retries with `requestState`; change events come on
`subscriptions/listen`.

Usage: $HOME/.cache/oxmcp/interop/venv-v2/bin/python interop/python/modern_client.py \
           --url URL [--mode auto|pin]

Prints one JSON line per check ({"check", "ok", "detail"}) and exits 0 only if every check
passed. The whole run is limited to 60 seconds.
"""

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types
from mcp import Client
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel

MODEL = "py-v2-fake-model"
TOOLS = ["echo", "add", "progress", "log", "ask_model", "elicit_profile", "list_roots", "update_note",
         "toggle_extras"]
ROOT = "file:///tmp/py-v2-client/project"


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
    return value


class Reporter:
    def __init__(self) -> None:
        self.failures = 0

    def report(self, check: str, ok: bool, detail: Any) -> None:
        if not ok:
            self.failures += 1
        print(json.dumps({"check": check, "ok": ok, "detail": jsonable(detail)}, default=str), flush=True)

    async def check(self, name: str, fn: Callable[[], Awaitable[Any]]) -> None:
        try:
            self.report(name, True, await fn())
        except CheckFailed as err:
            self.report(name, False, str(err))
        except MCPError as err:
            self.report(name, False, {"error": err.error.message, "code": err.error.code})
        except Exception as err:  # a check's own bug or the SDK's: reported, not fatal
            self.report(name, False, {"error": repr(err)})


def text_of(result: types.CallToolResult) -> str:
    expect(not result.is_error, f"isError: {jsonable(result)}")
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def expect_error(call: Callable[[], Awaitable[Any]], code: int) -> int:
    try:
        result = await call()
    except MCPError as err:
        expect(err.error.code == code, f"expected error {code}, got {err.error.code}: {err.error.message}")
        return err.error.code
    raise CheckFailed(f"expected error {code}, got {jsonable(result)}")


sampled: list[types.CreateMessageRequestParams] = []


async def sampling(_context: Any, params: types.CreateMessageRequestParams) -> Any:
    """A deterministic model: calls the first offered tool once, then reports its answer."""
    sampled.append(params)
    last = params.messages[-1]
    blocks = last.content if isinstance(last.content, list) else [last.content]
    results = [b for b in blocks if getattr(b, "type", None) == "tool_result"]
    if results:
        said = "; ".join(" ".join(c.text for c in r.content) for r in results)
        return types.CreateMessageResult(role="assistant", model=MODEL, stop_reason="endTurn",
                                         content=types.TextContent(type="text", text=f"The tool says: {said}."))
    if params.tools:
        tool = params.tools[0]
        arguments = {name: "Paris" for name in tool.input_schema.get("required", [])}
        return types.CreateMessageResultWithTools(
            role="assistant", model=MODEL, stop_reason="toolUse",
            content=[types.ToolUseContent(type="tool_use", id="py-v2-1", name=tool.name, input=arguments)])
    said = " ".join(b.text for b in blocks if getattr(b, "type", None) == "text")
    return types.CreateMessageResult(role="assistant", model=MODEL, stop_reason="endTurn",
                                     content=types.TextContent(type="text", text=f"You said: {said}"))


def field_value(schema: dict[str, Any]) -> Any:
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema:
        return schema["oneOf"][0]["const"]
    return "Ada"


async def elicitation(_context: Any, params: Any) -> types.ElicitResult:
    properties = params.requested_schema["properties"]
    return types.ElicitResult(action="accept", content={k: field_value(v) for k, v in properties.items()})


async def list_roots(_context: Any) -> types.ListRootsResult:
    return types.ListRootsResult(roots=[types.Root(uri=ROOT, name="project")])


async def run_checks(client: Client, r: Reporter) -> None:
    async def tools_list() -> int:
        tools = (await client.list_tools()).tools
        missing = [t for t in TOOLS if not any(x.name == t for x in tools)]
        expect(not missing, f"missing {missing}")
        return len(tools)

    async def echo() -> str:
        said = text_of(await client.call_tool("echo", {"text": "hi py v2"}))
        expect(said == "hi py v2", said)
        return said

    async def add() -> Any:
        result = await client.call_tool("add", {"a": 2, "b": 3.5})
        expect(result.structured_content == {"sum": 5.5}, f"{jsonable(result)}")
        return result.structured_content

    async def sampling_with_tools() -> str:
        said = text_of(await client.call_tool("ask_model", {"question": "Weather in Paris?"}))
        expect(MODEL in said and "get_weather" in said and "sunny" in said, said)
        expect(len(sampled) == 2, f"{len(sampled)} sampling requests")
        return said

    async def elicitation_form() -> str:
        said = text_of(await client.call_tool("elicit_profile", {}))
        expect(said.startswith("accepted: name=Ada"), said)
        return said

    async def roots() -> str:
        said = text_of(await client.call_tool("list_roots", {}))
        expect(said == f"1 root(s): {ROOT} (project)", said)
        return said

    async def resources() -> str:
        about = await client.read_resource("info://about")
        expect(about.contents[0].text.startswith("oxmcp everything server"), f"{jsonable(about)}")
        await expect_error(lambda: client.read_resource("note://99"), -32602)
        return "text, -32602"

    async def listen_resource_updated() -> Any:
        before = (await client.read_resource("note://1")).contents[0].text
        async with client.listen(resource_subscriptions=["note://1"]) as sub:
            text_of(await client.call_tool("update_note", {"id": "1", "text": "Call Grace"}))
            try:
                with anyio.fail_after(10):
                    event = await sub.__anext__()
            finally:
                await client.call_tool("update_note", {"id": "1", "text": before})
            expect(getattr(event, "uri", None) == "note://1", f"event {event!r}")
            return {"honored": jsonable(sub.honored), "event": repr(event)}

    async def listen_tools_changed() -> str:
        async with client.listen(tools_list_changed=True) as sub:
            text_of(await client.call_tool("toggle_extras", {}))
            with anyio.fail_after(10):
                event = await sub.__anext__()
            text_of(await client.call_tool("toggle_extras", {}))
            return repr(event)

    async def prompts() -> str:
        got = await client.get_prompt("greet", {"name": "Grace", "style": "formal"})
        text = got.messages[0].content.text
        expect(text == "Greet Grace in a formal way.", text)
        return text

    await r.check("tools/list", tools_list)
    await r.check("echo", echo)
    await r.check("add", add)
    await r.check("unknown_tool", lambda: expect_error(lambda: client.call_tool("nope", {}), -32602))
    await r.check("sampling_with_tools", sampling_with_tools)
    await r.check("elicitation_form", elicitation_form)
    await r.check("roots", roots)
    await r.check("resources", resources)
    await r.check("listen_resource_updated", listen_resource_updated)
    await r.check("listen_tools_changed", listen_tools_changed)
    await r.check("prompts", prompts)


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=["auto", "pin"], default="auto")
    args = parser.parse_args()
    r = Reporter()
    client = Client(
        args.url,
        mode="2026-07-28" if args.mode == "pin" else "auto",
        sampling_callback=sampling,
        sampling_capabilities=types.SamplingCapability(tools=types.SamplingToolsCapability()),
        elicitation_callback=elicitation,
        list_roots_callback=list_roots,
        client_info=types.Implementation(name="oxmcp-interop-py-v2-client", version="2.0.0"),
    )
    with anyio.move_on_after(60) as scope:
        async with client:
            version = client.session.protocol_version
            ok = version == "2026-07-28"
            r.report("discover", ok, {"protocolVersion": version})
            if ok:
                await run_checks(client, r)
    if scope.cancelled_caught:
        r.report("overall_timeout", False, "run did not finish within 60 s")
    return 0 if r.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(anyio.run(main))
