// A server on the official MCP TypeScript SDK v2 (`@modelcontextprotocol/server`, from the
// interop cache like sdk.mjs's), which speaks 2026-07-28 over HTTP (`createMcpHandler`)
// and only the handshake over stdio.
//
//   node v2-server.mjs http    listens on 127.0.0.1 (a free port), prints its URL
//   node v2-server.mjs stdio   serves stdin/stdout
//
// Tools: `echo {text}`; `confirm`, which asks the client a yes/no question through a multi
// round-trip request (2026-07-28) and answers `confirmed` once the retry carries `true`.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { register } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const nodeModules =
  process.env.OXMCP_INTEROP_NODE_MODULES ||
  join(homedir(), '.cache', 'oxmcp', 'interop', 'node', 'node_modules');
if (!existsSync(join(nodeModules, '@modelcontextprotocol', 'server', 'package.json'))) {
  process.stderr.write(`interop: @modelcontextprotocol/server is not installed in ${nodeModules}; run scripts/setup-interop\n`);
  process.exit(3);
}
register('./resolve-hook.mjs', import.meta.url, {
  data: { fallbackParent: pathToFileURL(join(dirname(nodeModules), 'interop-resolve-parent.mjs')).href },
});
const { McpServer, acceptedContent, createMcpHandler, inputRequired } = await import('@modelcontextprotocol/server');
const { StdioServerTransport } = await import('@modelcontextprotocol/server/stdio');
const z = await import('zod');

function build() {
  const server = new McpServer({ name: 'ts-v2-server', version: '2.4.0' });
  server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('confirm', { inputSchema: z.object({}) }, async (_args, ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'confirm');
    if (answer?.confirm !== true) {
      return inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({
            message: 'Go ahead?',
            requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } } },
          }),
        },
      });
    }
    return { content: [{ type: 'text', text: 'confirmed' }] };
  });
  return server;
}

if (process.argv[2] === 'stdio') {
  await build().connect(new StdioServerTransport());
} else {
  const handler = createMcpHandler(() => build());
  const http = createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && chunks.length > 0;
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method,
        headers,
        body: hasBody ? Buffer.concat(chunks) : undefined,
      });
      const response = await handler.fetch(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) {
        for await (const chunk of response.body) res.write(chunk);
      }
      res.end();
    } catch (e) {
      process.stderr.write(`v2-server: ${e?.stack ?? e}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  http.listen(0, '127.0.0.1', () => {
    process.stdout.write(`http://127.0.0.1:${http.address().port}/mcp\n`);
  });
}
