// The official MCP TypeScript SDK client on its legacy HTTP+SSE transport
// (SSEClientTransport, the 2024-11-05 transport) against the legacy endpoints of the
// oxmcp-http test server: initialize, ping, a custom request, notifications and progress
// before a result, and a request of the server (roots/list) answered by POST.
//
// Usage: node interop/ts/sse-client.mjs URL   (the server's SSE URL, e.g. http://127.0.0.1:P/sse)
// Prints one JSON line per check ({"check", "ok", "detail"}); exits 0 only if every check
// passed. The SDK comes from the interop cache (scripts/setup-interop).
import './sdk.mjs';

const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
const { ListRootsRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
const { z } = await import('zod');

const url = process.argv[2];
if (!url) {
  console.error('usage: sse-client.mjs URL');
  process.exit(2);
}
setTimeout(() => {
  console.error('sse-client: timed out after 30 s');
  process.exit(1);
}, 30_000).unref();

let failures = 0;
async function check(name, body) {
  try {
    const detail = await body();
    console.log(JSON.stringify({ check: name, ok: true, detail: detail ?? null }));
    return true;
  } catch (e) {
    failures += 1;
    console.log(JSON.stringify({ check: name, ok: false, detail: String(e?.stack ?? e) }));
    return false;
  }
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const Any = z.object({}).passthrough();
const client = new Client({ name: 'ts-sse-client', version: '1.0.0' }, { capabilities: { roots: {} } });
client.setRequestHandler(ListRootsRequestSchema, () => ({
  roots: [{ uri: 'file:///tmp', name: 'tmp' }],
}));
const seen = [];
client.fallbackNotificationHandler = async (notification) => {
  seen.push(notification);
};
const transport = new SSEClientTransport(new URL(url));

const connected = await check('connect', async () => {
  await client.connect(transport);
  const info = client.getServerVersion();
  expect(info?.name === 'http-test-server', `server name ${JSON.stringify(info)}`);
  return info.name;
});
if (connected) {
  await check('ping', async () => {
    await client.ping();
  });
  await check('custom_request', async () => {
    const result = await client.request({ method: 'echo', params: { text: 'over sse' } }, Any);
    expect(result.text === 'over sse', JSON.stringify(result));
    return result.text;
  });
  await check('notifications_before_result', async () => {
    seen.length = 0;
    const result = await client.request({ method: 'notify', params: { count: 3 } }, Any);
    expect(result.sent === 3, JSON.stringify(result));
    const numbers = seen.filter((n) => n.method === 'notifications/test').map((n) => n.params.n);
    expect(JSON.stringify(numbers) === '[0,1,2]', `notifications ${JSON.stringify(numbers)}`);
    return numbers;
  });
  await check('progress', async () => {
    const updates = [];
    const result = await client.request(
      { method: 'progress', params: { steps: 3, everyMs: 20 } },
      Any,
      { onprogress: (p) => updates.push(p.progress) },
    );
    expect(result.steps === 3, JSON.stringify(result));
    expect(JSON.stringify(updates) === '[1,2,3]', `progress ${JSON.stringify(updates)}`);
    return updates;
  });
  await check('server_request', async () => {
    const result = await client.request({ method: 'ask_client', params: {} }, Any);
    expect(result.answer?.roots?.[0]?.name === 'tmp', JSON.stringify(result));
    return result.answer.roots[0].uri;
  });
  await check('concurrent_requests', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.request({ method: 'echo', params: { i } }, Any)),
    );
    expect(results.every((r, i) => r.i === i), JSON.stringify(results));
    return results.length;
  });
}
await check('close', async () => {
  await client.close();
});
process.exit(failures === 0 ? 0 : 1);
