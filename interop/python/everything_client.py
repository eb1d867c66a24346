"""Everything client on the official MCP Python SDK.

Lists and calls every feature of the oxmcp everything server
(`everything-server stdio`), and answers its sampling (with tools), elicitation
(form and URL) and roots requests. Over stdio (`-- COMMAND`) or Streamable HTTP (`--url URL`).

Usage: $HOME/.cache/oxmcp/interop/venv/bin/python interop/python/everything_client.py \
           (-- <command> [args...] | --url URL)

Prints one JSON line per check ({"check", "ok", "detail"}) and exits 0 only if
every check passed. The whole run is limited to 60 seconds.
"""

import base64
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError
from pydantic import AnyUrl, BaseModel

MODEL = "py-fake-model"
TOOLS = ["echo", "add", "progress", "log", "slow", "cancelled_count", "ask_model", "elicit_profile",
         "elicit_url", "connect_account", "list_roots", "update_note", "toggle_extras"]


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
        except McpError as err:
            self.report(name, False, {"error": err.error.message, "code": err.error.code})
        except Exception as err:  # noqa: BLE001
            self.report(name, False, repr(err))


def text_of(result: types.CallToolResult) -> str:
    texts = [c.text for c in result.content if isinstance(c, types.TextContent)]
    expect(not result.isError, f"isError: {texts}")
    return "\n".join(texts)


async def expect_error(call: Callable[[], Awaitable[Any]], code: int) -> types.ErrorData:
    try:
        result = await call()
    except McpError as err:
        expect(err.error.code == code, f"expected error {code}, got {err.error.code}: {err.error.message}")
        return err.error
    raise CheckFailed(f"expected error {code}, got {jsonable(result)}")


async def wait_for(what: str, predicate: Callable[[], Any], seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        await anyio.sleep(0.02)
    raise CheckFailed(f"no {what} within {seconds} s")


class Host:
    """Roots, a deterministic model, a form filler, URL consent, and the notifications seen."""

    def __init__(self) -> None:
        self.roots = [types.Root(uri=AnyUrl("file:///tmp/py-client/project"), name="project")]
        self.sampled: list[types.CreateMessageRequestParams] = []
        self.consented: list[str] = []
        self.logs: list[types.LoggingMessageNotificationParams] = []
        self.updated: list[str] = []
        self.completed: list[str] = []
        self.changed = {"tools": 0, "resources": 0, "prompts": 0}

    async def list_roots(self, _context: Any) -> types.ListRootsResult:
        return types.ListRootsResult(roots=self.roots)

    async def sample(self, _context: Any, params: types.CreateMessageRequestParams) -> Any:
        self.sampled.append(params)
        last = params.messages[-1]
        blocks = last.content if isinstance(last.content, list) else [last.content]
        results = [b for b in blocks if getattr(b, "type", None) == "tool_result"]
        if results:
            said = "; ".join(" ".join(c.text for c in r.content if hasattr(c, "text")) for r in results)
            return types.CreateMessageResult(role="assistant", model=MODEL, stopReason="endTurn",
                                             content=types.TextContent(type="text", text=f"The tool says: {said}."))
        tools = params.tools or []
        mode = params.toolChoice.mode if params.toolChoice else None
        if tools and mode != "none":
            tool = tools[0]
            arguments = {name: "Paris" for name in tool.inputSchema.get("required", [])}
            use = types.ToolUseContent(type="tool_use", id="py-1", name=tool.name, input=arguments)
            return types.CreateMessageResultWithTools(role="assistant", model=MODEL, stopReason="toolUse",
                                                      content=[use])
        said = " ".join(b.text for b in blocks if getattr(b, "type", None) == "text")
        return types.CreateMessageResult(role="assistant", model=MODEL, stopReason="endTurn",
                                         content=types.TextContent(type="text", text=f"You said: {said}"))

    @staticmethod
    def field_value(schema: dict[str, Any]) -> Any:
        if "default" in schema:
            return schema["default"]

        def first(options: list[Any]) -> Any:
            return options[0]["const"] if isinstance(options[0], dict) else options[0]

        kind = schema.get("type")
        if kind == "boolean":
            return True
        if kind in ("integer", "number"):
            return schema.get("minimum", 1)
        if kind == "array":
            items = schema.get("items", {})
            return [first(items.get("enum") or items.get("anyOf"))]
        if "enum" in schema:
            return first(schema["enum"])
        if "oneOf" in schema:
            return first(schema["oneOf"])
        formats = {"email": "ada@example.com", "uri": "https://example.com/ada", "date": "1990-12-10"}
        return formats.get(schema.get("format", ""), "Ada")

    async def elicit(self, _context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        if isinstance(params, types.ElicitRequestURLParams):
            self.consented.append(params.elicitationId)
            return types.ElicitResult(action="accept")
        properties = params.requestedSchema.get("properties", {})
        content = {name: self.field_value(field) for name, field in properties.items()}
        return types.ElicitResult(action="accept", content=content)

    async def on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        self.logs.append(params)

    async def on_message(self, message: Any) -> None:
        root = getattr(message, "root", None)
        if isinstance(root, types.ResourceUpdatedNotification):
            self.updated.append(str(root.params.uri))
        elif isinstance(root, types.ElicitCompleteNotification):
            self.completed.append(root.params.elicitationId)
        elif isinstance(root, types.ToolListChangedNotification):
            self.changed["tools"] += 1
        elif isinstance(root, types.ResourceListChangedNotification):
            self.changed["resources"] += 1
        elif isinstance(root, types.PromptListChangedNotification):
            self.changed["prompts"] += 1


@asynccontextmanager
async def connect(target: str | list[str]) -> AsyncIterator[tuple[Any, Any]]:
    """Streams to a stdio server (a command) or a Streamable HTTP one (a URL)."""
    if isinstance(target, str):
        async with streamable_http_client(target) as (read_stream, write_stream, _session_id):
            yield read_stream, write_stream
    else:
        params = StdioServerParameters(command=target[0], args=target[1:], env=dict(os.environ))
        async with stdio_client(params) as (read_stream, write_stream):
            yield read_stream, write_stream


async def run(reporter: Reporter, target: str | list[str]) -> None:
    host = Host()
    async with connect(target) as (read_stream, write_stream), ClientSession(
        read_stream,
        write_stream,
        sampling_callback=host.sample,
        elicitation_callback=host.elicit,
        list_roots_callback=host.list_roots,
        logging_callback=host.on_log,
        message_handler=host.on_message,
        client_info=types.Implementation(name="oxmcp-interop-python-everything-client", version="1.0.0"),
        sampling_capabilities=types.SamplingCapability(tools=types.SamplingToolsCapability()),
    ) as session:
        async def initialize() -> Any:
            with anyio.fail_after(20):
                result = await session.initialize()
            expect(result.serverInfo.name == "oxmcp-everything-server", f"serverInfo {result.serverInfo}")
            return result.serverInfo
        await reporter.check("initialize", initialize)
        await run_checks(reporter, session, host)


async def run_checks(reporter: Reporter, session: ClientSession, host: Host) -> None:
    async def call(name: str, arguments: dict[str, Any] | None = None, **kw: Any) -> types.CallToolResult:
        return await session.call_tool(name, arguments or {}, **kw)

    async def tools() -> Any:
        listed = (await session.list_tools()).tools
        missing = [t for t in TOOLS if not any(x.name == t for x in listed)]
        expect(not missing, f"missing {missing}")
        expect(next(t for t in listed if t.name == "add").outputSchema, "add has no outputSchema")
        return len(listed)

    async def echo() -> Any:
        said = text_of(await call("echo", {"text": "hi py"}))
        expect(said == "hi py", said)
        return said

    async def add() -> Any:
        result = await call("add", {"a": 2, "b": 3.5})
        expect(result.structuredContent == {"sum": 5.5}, jsonable(result))
        return result.structuredContent

    async def invalid_arguments() -> Any:
        result = await call("add", {"a": "two"})
        expect(result.isError, jsonable(result))
        return result.content[0].text

    async def progress() -> Any:
        seen: list[float] = []

        async def on_progress(value: float, _total: float | None, _message: str | None) -> None:
            seen.append(value)
        text_of(await call("progress", {"steps": 3}, progress_callback=on_progress))
        expect(seen == [1, 2, 3], f"progress {seen}")
        return seen

    async def logging() -> Any:
        await session.set_logging_level("debug")
        text_of(await call("log", {"level": "notice", "message": "from py"}))
        await wait_for("bridged log", lambda: any(m.level == "info" and m.data.get("message") == "from py" for m in host.logs))
        await wait_for("ctx.log", lambda: any(m.level == "notice" for m in host.logs))
        await session.set_logging_level("error")
        filtered = text_of(await call("log", {"level": "warning", "message": "hidden"}))
        expect("sent: false" in filtered, filtered)
        await session.set_logging_level("debug")
        return "info (tracing bridge) and notice (ctx.log); warning filtered at error"

    async def sampling() -> Any:
        said = text_of(await call("ask_model", {"question": "Weather in Paris?"}))
        expect(MODEL in said and "get_weather" in said and "sunny" in said, said)
        first = host.sampled[0]
        expect(first.tools and first.tools[0].name == "get_weather" and first.toolChoice.mode == "auto",
               "the first sampling request lacks tools/toolChoice")
        return said

    async def elicit_form() -> Any:
        said = text_of(await call("elicit_profile"))
        expect(said.startswith("accepted: name=Ada"), said)
        return said

    async def elicit_url() -> Any:
        said = text_of(await call("elicit_url"))
        eid = host.consented[-1]
        expect(said.startswith("accept") and eid in said, said)
        await wait_for("elicitation/complete", lambda: eid in host.completed)
        return {"said": said, "completed": eid}

    async def url_required() -> Any:
        error = await expect_error(lambda: call("connect_account"), -32042)
        elicitation = error.data["elicitations"][0]
        expect(elicitation["mode"] == "url", json.dumps(error.data))
        await wait_for("elicitation/complete", lambda: elicitation["elicitationId"] in host.completed)
        said = text_of(await call("connect_account"))
        expect(said == "account connected", said)
        return {"elicitation": elicitation["elicitationId"], "retry": said}

    async def roots() -> Any:
        said = text_of(await call("list_roots"))
        expect(said == "1 root(s): file:///tmp/py-client/project (project)", said)
        host.roots.append(types.Root(uri=AnyUrl("file:///tmp/py-client/docs"), name="docs"))
        await session.send_roots_list_changed()
        log = await wait_for("roots log", lambda: next((m for m in host.logs if m.logger == "roots"), None))
        expect(len(log.data["roots"]) == 2, json.dumps(log.data))
        return {"listed": said, "after_list_changed": log.data["roots"]}

    async def resources() -> Any:
        expect(len((await session.list_resources()).resources) == 2, "resources")
        templates = (await session.list_resource_templates()).resourceTemplates
        expect(templates[0].uriTemplate == "note://{id}", "templates")
        about = await session.read_resource(AnyUrl("info://about"))
        expect(about.contents[0].text.startswith("oxmcp everything server"), jsonable(about))
        pixels = await session.read_resource(AnyUrl("info://pixels"))
        expect(list(base64.b64decode(pixels.contents[0].blob)) == [0, 1, 2, 3, 252, 253, 254, 255], "bytes")
        note = await session.read_resource(AnyUrl("note://1"))
        expect(note.contents[0].text == "Buy milk", jsonable(note))
        await expect_error(lambda: session.read_resource(AnyUrl("note://99")), -32002)
        return "text, blob, template, -32002"

    async def subscriptions() -> Any:
        await session.subscribe_resource(AnyUrl("note://1"))
        text_of(await call("update_note", {"id": "1", "text": "Buy bread"}))
        await wait_for("resources/updated", lambda: "note://1" in host.updated)
        await session.unsubscribe_resource(AnyUrl("note://1"))
        after = text_of(await call("update_note", {"id": "1", "text": "Buy milk"}))
        expect("0 subscriber" in after, after)
        return "updated received; none after unsubscribe"

    async def prompts() -> Any:
        listed = (await session.list_prompts()).prompts
        expect({p.name for p in listed} >= {"greet", "code_review"}, "prompts")
        got = await session.get_prompt("greet", {"name": "Linus", "style": "casual"})
        expect(got.messages[0].content.text == "Greet Linus in a casual way.", jsonable(got))
        await expect_error(lambda: session.get_prompt("greet", {}), -32602)
        return got.messages[0].content.text

    async def completion() -> Any:
        names = await session.complete(types.PromptReference(type="ref/prompt", name="greet"), {"name": "name", "value": "L"})
        expect(names.completion.values == ["Linus"], jsonable(names))
        frameworks = await session.complete(types.PromptReference(type="ref/prompt", name="code_review"),
                                            {"name": "framework", "value": "n"},
                                            context_arguments={"language": "typescript"})
        expect(frameworks.completion.values == ["nestjs"], jsonable(frameworks))
        ids = await session.complete(types.ResourceTemplateReference(type="ref/resource", uri="note://{id}"),
                                     {"name": "id", "value": "1"})
        expect(ids.completion.values == ["1"], jsonable(ids))
        return {"names": names.completion.values, "frameworks": frameworks.completion.values}

    async def list_changed() -> Any:
        before = dict(host.changed)
        text_of(await call("toggle_extras"))
        await wait_for("three list_changed", lambda: all(host.changed[k] > before[k] for k in before))
        expect(text_of(await call("extra")) == "extra!", "extra")
        text_of(await call("toggle_extras"))
        expect(not any(t.name == "extra" for t in (await session.list_tools()).tools), "extra still listed")
        return "tools, resources and prompts list_changed"

    for name, fn in [("ping", session.send_ping), ("tools/list", tools), ("echo", echo), ("add", add),
                     ("invalid_arguments", invalid_arguments), ("progress", progress), ("logging", logging),
                     ("sampling_with_tools", sampling), ("elicitation_form", elicit_form),
                     ("elicitation_url", elicit_url), ("url_elicitation_required", url_required),
                     ("roots", roots), ("resources", resources), ("subscriptions", subscriptions),
                     ("prompts", prompts), ("completion", completion), ("list_changed", list_changed)]:
        await reporter.check(name, fn)


def main() -> None:
    argv = sys.argv[1:]
    target: str | list[str]
    if len(argv) == 2 and argv[0] == "--url":
        target = argv[1]
    elif "--" in argv and argv.index("--") < len(argv) - 1:
        target = argv[argv.index("--") + 1:]
    else:
        sys.stderr.write("usage: everything_client.py (-- <command> [args...] | --url URL)\n")
        sys.exit(2)
    reporter = Reporter()

    async def bounded() -> None:
        try:
            with anyio.fail_after(60):
                await run(reporter, target)
        except TimeoutError:
            reporter.report("overall_timeout", False, "run did not finish within 60 s")
        except Exception as err:  # noqa: BLE001
            reporter.report("run", False, repr(err))

    anyio.run(bounded)
    sys.exit(0 if reporter.failures == 0 else 1)


if __name__ == "__main__":
    main()
