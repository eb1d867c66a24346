// An official MCP TypeScript SDK server over Streamable HTTP, for the oxmcp HTTP client:
// sessions, resumability (the SDK's in-memory event store), and tools that exercise
// results, structured output, progress, logging, elicitation and a stream the server cuts
// mid-call (`cut`, SEP-1699: the client must resume with Last-Event-ID).
//
// Usage: node conformance/interop/ts/http-server.mjs
// Listens on 127.0.0.1 (a free port), prints its URL on stdout, serves until killed.
import '../../../interop/ts/sdk.mjs';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = await import(
  '@modelcontextprotocol/sdk/server/streamableHttp.js'
);
const { InMemoryEventStore } = await import(
  '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js'
);
const { isInitializeRequest } = await import('@modelcontextprotocol/sdk/types.js');
const { z } = await import('zod');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function mcpServer() {
  const server = new McpServer(
    { name: 'ts-sdk-http-server', version: '1.0.0' },
    { capabilities: { logging: {} } },
  );
  server.registerTool(
    'echo',
    { description: 'Returns its text.', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'add',
    {
      description: 'Adds two numbers (structured output).',
      inputSchema: { a: z.number(), b: z.number() },
      outputSchema: { sum: z.number() },
    },
    async ({ a, b }) => ({
      content: [{ type: 'text', text: String(a + b) }],
      structuredContent: { sum: a + b },
    }),
  );
  server.registerTool(
    'progress',
    { description: 'Reports `steps` progress notifications.', inputSchema: { steps: z.number() } },
    async ({ steps }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps },
          });
        }
        await sleep(5);
      }
      return { content: [{ type: 'text', text: `done in ${steps}` }] };
    },
  );
  server.registerTool(
    'log',
    { description: 'Sends one log message related to the call.', inputSchema: { message: z.string() } },
    async ({ message }, extra) => {
      await extra.sendNotification({
        method: 'notifications/message',
        params: { level: 'info', logger: 'ts', data: message },
      });
      return { content: [{ type: 'text', text: 'logged' }] };
    },
  );
  server.registerTool(
    'ask',
    { description: 'Asks the user for a name (form elicitation).', inputSchema: {} },
    async () => {
      const answer = await server.server.elicitInput({
        message: 'Your name?',
        requestedSchema: {
          type: 'object',
          properties: { name: { type: 'string' } },
          required: ['name'],
        },
      });
      return { content: [{ type: 'text', text: `${answer.action}:${answer.content?.name ?? ''}` }] };
    },
  );
  server.registerTool(
    'cut',
    {
      description: 'Sends a notification, closes its SSE stream, then answers after 200 ms.',
      inputSchema: {},
    },
    async (_args, extra) => {
      await extra.sendNotification({
        method: 'notifications/message',
        params: { level: 'info', logger: 'ts', data: 'before the cut' },
      });
      extra.closeSSEStream?.();
      await sleep(200);
      return { content: [{ type: 'text', text: extra.closeSSEStream ? 'resumed' : 'not cut' }] };
    },
  );
  return server;
}

const transports = new Map();

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

const http = createServer(async (req, res) => {
  try {
    const sessionId = req.headers['mcp-session-id'];
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    let transport = sessionId ? transports.get(sessionId) : undefined;
    if (!transport && !sessionId && req.method === 'POST' && isInitializeRequest(body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new InMemoryEventStore(),
        retryInterval: 50,
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      transport.onclose = () => transports.delete(transport.sessionId);
      await mcpServer().connect(transport);
    }
    if (!transport) {
      res.writeHead(sessionId ? 404 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no such session' }, id: null }));
      return;
    }
    await transport.handleRequest(req, res, body);
  } catch (e) {
    if (!res.headersSent) {
      res.writeHead(500);
    }
    res.end(String(e));
  }
});
http.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${http.address().port}/mcp`);
});
