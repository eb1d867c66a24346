// An official MCP TypeScript SDK server on its legacy HTTP+SSE transport
// (SSEServerTransport, the 2024-11-05 transport), for the oxmcp HTTP client's fallback:
// `GET /sse` opens a session (its first event names `/messages?sessionId=...`),
// `POST /messages?sessionId=...` carries the client's messages, and `POST /sse` is
// refused with 405 as a server without Streamable HTTP would refuse it.
//
// Usage: node interop/ts/sse-server.mjs
// Listens on 127.0.0.1 (a free port), prints its SSE URL on stdout, serves until killed.
import './sdk.mjs';
import { createServer } from 'node:http';

const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
const { SSEServerTransport } = await import('@modelcontextprotocol/sdk/server/sse.js');
const { z } = await import('zod');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function mcpServer() {
  const server = new McpServer(
    { name: 'ts-sdk-sse-server', version: '1.0.0' },
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
    { description: 'Sends one log message.', inputSchema: { message: z.string() } },
    async ({ message }, extra) => {
      await server.server.sendLoggingMessage(
        { level: 'info', logger: 'sse', data: message },
        extra.sessionId,
      );
      return { content: [{ type: 'text', text: 'logged' }] };
    },
  );
  server.registerTool(
    'roots',
    { description: 'Asks the client for its roots.', inputSchema: {} },
    async () => {
      const { roots } = await server.server.listRoots();
      return { content: [{ type: 'text', text: roots.map((r) => r.name).join(',') }] };
    },
  );
  return server;
}

const transports = new Map();

const http = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  try {
    if (url.pathname === '/sse' && req.method === 'GET') {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      res.on('close', () => transports.delete(transport.sessionId));
      await mcpServer().connect(transport);
      return;
    }
    if (url.pathname === '/sse') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (url.pathname === '/messages' && req.method === 'POST') {
      const transport = transports.get(url.searchParams.get('sessionId') ?? '');
      if (!transport) {
        res.writeHead(404).end('unknown session');
        return;
      }
      await transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  } catch (e) {
    console.error(e);
    if (!res.headersSent) res.writeHead(500).end();
  }
});

http.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${http.address().port}/sse`);
});
