#!/usr/bin/env node
// Interop fixture server built on the official MCP TypeScript SDK (McpServer
// over stdio). Implements the fixture contract in interop/README.md.
//
// Usage: node interop/ts/server.mjs [--name NAME]
//   --name NAME   serverInfo.name to report (default: interop-fixture)
import {
  CallToolRequestSchema,
  ErrorCode,
  McpError,
  McpServer,
  StdioServerTransport,
  z,
} from './sdk.mjs';

const args = process.argv.slice(2);
let name = 'interop-fixture';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--name' && i + 1 < args.length) {
    name = args[++i];
  } else {
    process.stderr.write(`server.mjs: unexpected argument ${args[i]}\n`);
    process.exit(2);
  }
}

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

const mcp = new McpServer(
  { name, version: '1.0.0' },
  { instructions: 'Interop fixture for oxmcp.', capabilities: { logging: {} } },
);

// Number of tool calls the client cancelled (notifications/cancelled aborts
// the handler's signal).
let cancelledCount = 0;

// Wraps a tool callback so that a cancellation of its request is counted.
function counted(callback) {
  return (argsOrExtra, maybeExtra) => {
    const extra = maybeExtra ?? argsOrExtra;
    extra.signal.addEventListener('abort', () => {
      cancelledCount += 1;
    });
    return callback(argsOrExtra, maybeExtra);
  };
}

const text = (value) => ({ content: [{ type: 'text', text: String(value) }] });

mcp.registerTool(
  'echo',
  { description: 'Returns its text argument.', inputSchema: { text: z.string() } },
  counted(async ({ text: t }) => text(t)),
);

mcp.registerTool(
  'add',
  {
    description: 'Adds two numbers.',
    inputSchema: { a: z.number(), b: z.number() },
    outputSchema: { sum: z.number() },
  },
  counted(async ({ a, b }) => {
    const sum = a + b;
    return { ...text(sum), structuredContent: { sum } };
  }),
);

mcp.registerTool(
  'progress',
  {
    description: 'Sends `steps` progress notifications when the request has a progress token.',
    inputSchema: { steps: z.number().int() },
  },
  counted(async ({ steps }, extra) => {
    const progressToken = extra._meta?.progressToken;
    if (progressToken !== undefined) {
      for (let progress = 1; progress <= steps; progress++) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress, total: steps },
        });
      }
    }
    return text('done');
  }),
);

mcp.registerTool(
  'log',
  {
    description: 'Sends a log message (logger "interop") at the given level.',
    inputSchema: { level: z.enum(LEVELS), message: z.string() },
  },
  counted(async ({ level, message }, extra) => {
    // sendLoggingMessage drops messages below the level set by logging/setLevel.
    await mcp.server.sendLoggingMessage({ level, logger: 'interop', data: message }, extra.sessionId);
    return text('logged');
  }),
);

mcp.registerTool(
  'slow',
  { description: 'Waits `seconds` seconds unless cancelled.', inputSchema: { seconds: z.number() } },
  counted(
    ({ seconds }, extra) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(text('finished')), seconds * 1000);
        extra.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('cancelled'));
        });
      }),
  ),
);

mcp.registerTool(
  'cancelled_count',
  { description: 'Number of requests the client has cancelled so far.', inputSchema: {} },
  counted(async () => text(cancelledCount)),
);

mcp.registerTool(
  'ping_client',
  { description: 'Pings the client and returns "pong" once it answers.', inputSchema: {} },
  counted(async () => {
    await mcp.server.ping();
    return text('pong');
  }),
);

mcp.registerTool(
  'fail',
  { description: 'Always fails with a JSON-RPC internal error.', inputSchema: {} },
  counted(async () => {
    throw new McpError(ErrorCode.InternalError, 'deliberate failure');
  }),
);

// McpServer's tools/call handler turns every exception, McpError included, into
// a successful result with isError: true (also for unknown tools). The fixture
// contract wants JSON-RPC errors for `fail` (-32603) and for unknown tools
// (-32602), so tools/call is re-registered on the low-level Server: it raises
// those two errors itself and delegates everything else to McpServer's handler.
// Getting that handler needs the Protocol's (non-public) handler map.
// McpError prefixes its message with "MCP error <code>: ", and the SDK sends
// error.message as is; a plain Error carrying a `code` keeps the wire message
// exactly as written.
function jsonRpcError(code, message) {
  return Object.assign(new Error(message), { code });
}
const toolNames = new Set(['echo', 'add', 'progress', 'log', 'slow', 'cancelled_count', 'ping_client', 'fail']);
const sdkCallTool = mcp.server._requestHandlers?.get('tools/call');
if (typeof sdkCallTool !== 'function') {
  throw new Error('McpServer did not install a tools/call handler where expected');
}
mcp.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
  const tool = request.params.name;
  if (!toolNames.has(tool)) {
    throw jsonRpcError(ErrorCode.InvalidParams, `Unknown tool: ${tool}`);
  }
  if (tool === 'fail') {
    throw jsonRpcError(ErrorCode.InternalError, 'deliberate failure');
  }
  return sdkCallTool(request, extra);
});

await mcp.connect(new StdioServerTransport());
// The SDK's stdio transport does not notice the end of stdin; a stdio server
// should exit then (clients otherwise wait, then kill it).
process.stdin.on('end', () => {
  mcp.close().finally(() => process.exit(0));
});
