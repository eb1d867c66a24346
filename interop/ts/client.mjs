#!/usr/bin/env node
// Interop client built on the official MCP TypeScript SDK. Spawns a stdio MCP
// server and checks it against the fixture contract in interop/README.md.
//
// Usage: node interop/ts/client.mjs [--expect-name NAME] -- <command> [args...]
//
// Prints one JSON line per check ({"check", "ok", "detail"}) and exits 0 only if
// every check passed. The whole run is limited to 30 seconds.
import { Client, LoggingMessageNotificationSchema, StdioClientTransport } from './sdk.mjs';

const OVERALL_TIMEOUT_MS = 30_000;
// Generous: a Python peer spends ~1.5 s importing the SDK, much more on a busy machine.
const INITIALIZE_TIMEOUT_MS = 20_000;
const EXPECTED_PROTOCOL_VERSION = '2025-11-25';
const EXPECTED_INSTRUCTIONS = 'Interop fixture for oxmcp.';

function usage(message) {
  process.stderr.write(`client.mjs: ${message}\nusage: client.mjs [--expect-name NAME] -- <command> [args...]\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let expectName = 'oxmcp-interop-server';
let command;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--expect-name') {
    if (i + 1 >= argv.length) usage('--expect-name needs a value');
    expectName = argv[++i];
  } else if (argv[i] === '--') {
    command = argv.slice(i + 1);
    break;
  } else {
    usage(`unexpected argument ${argv[i]}`);
  }
}
if (!command || command.length === 0) usage('missing server command after --');

let failures = 0;
function report(check, ok, detail) {
  if (!ok) failures += 1;
  process.stdout.write(`${JSON.stringify({ check, ok, detail: detail ?? null })}\n`);
}

class CheckFailed extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

function describeError(err) {
  if (err instanceof CheckFailed) return err.message;
  if (err && typeof err === 'object' && 'code' in err) {
    return { error: String(err.message ?? err), code: err.code, data: err.data ?? null };
  }
  return String(err?.stack ?? err);
}

async function check(name, fn) {
  try {
    report(name, true, await fn());
    return true;
  } catch (err) {
    report(name, false, describeError(err));
    return false;
  }
}

const onlyText = (result) => {
  expect(!result.isError, `tool result has isError: ${JSON.stringify(result)}`);
  expect(
    Array.isArray(result.content) && result.content.length === 1 && result.content[0].type === 'text',
    `expected exactly one text block, got ${JSON.stringify(result.content)}`,
  );
  return result.content[0].text;
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Expected tools: name -> { property: JSON Schema type } and required properties.
const EXPECTED_TOOLS = {
  echo: { props: { text: 'string' }, required: ['text'] },
  add: { props: { a: 'number', b: 'number' }, required: ['a', 'b'] },
  progress: { props: { steps: 'integer' }, required: ['steps'] },
  log: { props: { level: 'string', message: 'string' }, required: ['level', 'message'] },
  slow: { props: { seconds: 'number' }, required: ['seconds'] },
  cancelled_count: { props: {}, required: [] },
  ping_client: { props: {}, required: [] },
  fail: { props: {}, required: [] },
};

async function expectJsonRpcError(call, code, messagePart) {
  let result;
  try {
    result = await call();
  } catch (err) {
    expect(err?.code === code, `expected JSON-RPC error ${code}, got ${JSON.stringify(describeError(err))}`);
    if (messagePart !== undefined) {
      expect(String(err.message).includes(messagePart), `error message lacks "${messagePart}": ${err.message}`);
    }
    return { code: err.code, message: err.message };
  }
  throw new CheckFailed(`expected JSON-RPC error ${code}, got result ${JSON.stringify(result)}`);
}

async function run() {
  const client = new Client({ name: 'oxmcp-interop-ts-client', version: '1.0.0' }, { capabilities: {} });
  const logMessages = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logMessages.push(notification.params);
  });

  const transport = new StdioClientTransport({
    command: command[0],
    args: command.slice(1),
    env: { ...process.env },
    stderr: 'inherit',
  });
  // The Client hands the negotiated version to transports that want it (HTTP
  // does); stdio does not, so record it here.
  let negotiatedVersion;
  const wire = [];
  transport.setProtocolVersion = (version) => {
    negotiatedVersion = version;
  };

  const connected = await check('initialize', async () => {
    await client.connect(transport, { timeout: INITIALIZE_TIMEOUT_MS });
    return { serverInfo: client.getServerVersion() };
  });
  if (!connected) return;

  // Work around typescript-sdk issue #2580 (open in 1.32.2): the SDK dispatches
  // notifications one microtask late but responses at once, so when the last
  // notifications/progress arrives in the same read as the response, the
  // response retires the progress handler first and onprogress never sees that
  // notification. Responses are therefore handed to the SDK on the next
  // macrotask, after the notifications read before them. To still catch a peer
  // that sends progress after its response, the wire order of progress
  // notifications and responses is recorded and checked separately.
  const sdkDispatch = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('id' in message && !('method' in message)) {
      wire.push({ response: message.id });
      setImmediate(() => sdkDispatch(message, extra));
    } else {
      if (message.method === 'notifications/progress') wire.push({ progress: message.params });
      sdkDispatch(message, extra);
    }
  };

  try {
    await check('protocol_version', async () => {
      expect(
        negotiatedVersion === EXPECTED_PROTOCOL_VERSION,
        `negotiated ${negotiatedVersion}, expected ${EXPECTED_PROTOCOL_VERSION}`,
      );
      return negotiatedVersion;
    });

    await check('server_info', async () => {
      const info = client.getServerVersion();
      expect(info?.name === expectName, `serverInfo.name is ${JSON.stringify(info?.name)}, expected ${expectName}`);
      expect(typeof info.version === 'string', 'serverInfo.version missing');
      return info;
    });

    await check('instructions', async () => {
      const instructions = client.getInstructions();
      expect(instructions === EXPECTED_INSTRUCTIONS, `instructions are ${JSON.stringify(instructions)}`);
      return instructions;
    });

    await check('capabilities', async () => {
      const caps = client.getServerCapabilities();
      expect(caps?.tools && typeof caps.tools === 'object', 'no tools capability');
      expect(caps?.logging && typeof caps.logging === 'object', 'no logging capability');
      return caps;
    });

    await check('ping', async () => {
      const result = await client.ping();
      return result;
    });

    await check('tools_list', async () => {
      const { tools } = await client.listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      for (const [name, spec] of Object.entries(EXPECTED_TOOLS)) {
        const tool = byName.get(name);
        expect(tool, `tool ${name} missing`);
        const schema = tool.inputSchema;
        expect(schema?.type === 'object', `${name}: inputSchema.type is ${schema?.type}`);
        for (const [prop, type] of Object.entries(spec.props)) {
          const actual = schema.properties?.[prop]?.type;
          expect(actual === type, `${name}.${prop}: type ${JSON.stringify(actual)}, expected ${type}`);
        }
        const required = schema.required ?? [];
        for (const prop of spec.required) {
          expect(required.includes(prop), `${name}: ${prop} not required`);
        }
      }
      return tools.map((tool) => tool.name);
    });

    await check('call_echo', async () => {
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hello interop' } });
      const got = onlyText(result);
      expect(got === 'hello interop', `echo returned ${JSON.stringify(got)}`);
      return got;
    });

    await check('call_add', async () => {
      const cases = [
        [2, 3, '5', 5],
        [1.5, 2.25, '3.75', 3.75],
      ];
      for (const [a, b, wantText, wantSum] of cases) {
        const result = await client.callTool({ name: 'add', arguments: { a, b } });
        const got = onlyText(result);
        expect(got === wantText, `add(${a}, ${b}) text ${JSON.stringify(got)}, expected ${wantText}`);
        expect(
          result.structuredContent?.sum === wantSum,
          `add(${a}, ${b}) structuredContent ${JSON.stringify(result.structuredContent)}`,
        );
      }
      return 'ok';
    });

    await check('call_progress', async () => {
      const updates = [];
      const result = await client.callTool({ name: 'progress', arguments: { steps: 3 } }, undefined, {
        onprogress: (progress) => updates.push(progress),
      });
      const got = onlyText(result);
      expect(got === 'done', `progress returned ${JSON.stringify(got)}`);
      expect(updates.length === 3, `expected 3 progress notifications, got ${JSON.stringify(updates)}`);
      for (let i = 0; i < updates.length; i++) {
        expect(updates[i].total === 3, `progress total ${updates[i].total}`);
        if (i > 0) expect(updates[i].progress > updates[i - 1].progress, 'progress not increasing');
      }
      expect(updates[2].progress === 3, `last progress ${updates[2].progress}`);
      // All three notifications must precede the response on the wire.
      const token = wire.find((entry) => entry.progress?.progress === 1 && entry.progress.total === 3)?.progress
        .progressToken;
      const order = wire
        .filter((entry) => entry.response === token || entry.progress?.progressToken === token)
        .map((entry) => (entry.response !== undefined ? 'response' : 'progress'));
      expect(
        order.join(',') === 'progress,progress,progress,response',
        `wire order for the progress call: ${order.join(',')}`,
      );
      return updates;
    });

    await check('logging', async () => {
      await client.setLoggingLevel('warning');
      logMessages.length = 0;
      const below = await client.callTool({ name: 'log', arguments: { level: 'info', message: 'must not arrive' } });
      expect(onlyText(below) === 'logged', 'log(info) did not return "logged"');
      const above = await client.callTool({ name: 'log', arguments: { level: 'error', message: 'must arrive' } });
      expect(onlyText(above) === 'logged', 'log(error) did not return "logged"');
      for (let i = 0; i < 20 && logMessages.length === 0; i++) await sleep(25);
      await sleep(50);
      expect(logMessages.length === 1, `expected exactly one log message, got ${JSON.stringify(logMessages)}`);
      const [msg] = logMessages;
      expect(msg.level === 'error', `level ${msg.level}`);
      expect(msg.logger === 'interop', `logger ${msg.logger}`);
      expect(msg.data === 'must arrive', `data ${JSON.stringify(msg.data)}`);
      return msg;
    });

    await check('ping_client', async () => {
      const got = onlyText(await client.callTool({ name: 'ping_client', arguments: {} }));
      expect(got === 'pong', `ping_client returned ${JSON.stringify(got)}`);
      return got;
    });

    await check('cancel_slow', async () => {
      const controller = new AbortController();
      const started = Date.now();
      const timer = setTimeout(() => controller.abort(new Error('cancelled by interop client')), 200);
      try {
        const result = await client.callTool({ name: 'slow', arguments: { seconds: 30 } }, undefined, {
          signal: controller.signal,
          timeout: 10_000,
        });
        throw new CheckFailed(`slow was not cancelled: ${JSON.stringify(result)}`);
      } catch (err) {
        if (!controller.signal.aborted) throw err;
      } finally {
        clearTimeout(timer);
      }
      const elapsed = Date.now() - started;
      expect(elapsed < 5_000, `cancellation took ${elapsed} ms`);
      return { elapsed_ms: elapsed };
    });

    await check('echo_after_cancel', async () => {
      const got = onlyText(await client.callTool({ name: 'echo', arguments: { text: 'still alive' } }));
      expect(got === 'still alive', `echo returned ${JSON.stringify(got)}`);
      return got;
    });

    await check('cancelled_count', async () => {
      const got = onlyText(await client.callTool({ name: 'cancelled_count', arguments: {} }));
      expect(got === '1', `cancelled_count returned ${JSON.stringify(got)}, expected "1"`);
      return got;
    });

    await check('call_fail', () =>
      expectJsonRpcError(() => client.callTool({ name: 'fail', arguments: {} }), -32603, 'deliberate failure'),
    );

    await check('unknown_tool', () =>
      expectJsonRpcError(() => client.callTool({ name: 'nope', arguments: {} }), -32602),
    );
  } finally {
    await client.close().catch(() => {});
  }
}

const watchdog = setTimeout(() => {
  report('overall_timeout', false, `run did not finish within ${OVERALL_TIMEOUT_MS} ms`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
watchdog.unref();

try {
  await run();
} catch (err) {
  report('run', false, describeError(err));
}
process.exit(failures === 0 ? 0 : 1);
