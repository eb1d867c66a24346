// The official MCP TypeScript SDK client against the oxmcp conformance fixture over
// Streamable HTTP: lists and calls everything the fixture offers, including
// `test_reconnection`, whose SSE stream the server cuts mid-call (the SDK resumes it with
// GET and Last-Event-ID).
//
// Usage: node conformance/interop/ts/http-client.mjs URL
// Prints one JSON line per check ({"check", "ok", "detail"}); exits 0 only if every check
// passed. The SDK comes from the interop cache (scripts/setup-interop).
import '../../../interop/ts/sdk.mjs';

const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = await import(
  '@modelcontextprotocol/sdk/client/streamableHttp.js'
);
const { CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema } =
  await import('@modelcontextprotocol/sdk/types.js');

const url = process.argv[2];
if (!url) {
  console.error('usage: http-client.mjs URL');
  process.exit(2);
}
setTimeout(() => {
  console.error('http-client: timed out after 30 s');
  process.exit(1);
}, 30_000).unref();

let failures = 0;
async function check(name, body) {
  try {
    const detail = await body();
    console.log(JSON.stringify({ check: name, ok: true, detail: detail ?? null }));
  } catch (e) {
    failures += 1;
    console.log(JSON.stringify({ check: name, ok: false, detail: String(e?.stack ?? e) }));
  }
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}
const text = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('');

const client = new Client(
  { name: 'ts-sdk-http-client', version: '1.0.0' },
  { capabilities: { sampling: {}, elicitation: {} } },
);
const logs = [];
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
  role: 'assistant',
  content: { type: 'text', text: `echo of ${request.params.messages[0].content.text}` },
  model: 'interop-model',
  stopReason: 'endTurn',
}));
client.setRequestHandler(ElicitRequestSchema, async () => ({
  action: 'accept',
  content: { username: 'ada', email: 'ada@example.com' },
}));
const transport = new StreamableHTTPClientTransport(new URL(url));

await check('initialize', async () => {
  await client.connect(transport);
  expect(transport.sessionId, 'no session id');
  expect(client.getServerVersion()?.name === 'oxmcp-conformance-server', 'server name');
  return client.getServerVersion();
});
await check('tools/list', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const name of ['test_simple_text', 'test_sampling', 'test_reconnection']) {
    expect(names.includes(name), `missing ${name} in ${names}`);
  }
  return names.length;
});
await check('tools/call test_simple_text', async () => {
  const result = await client.callTool({ name: 'test_simple_text' });
  expect(text(result) === 'This is a simple text response for testing.', text(result));
});
await check('tools/call test_multiple_content_types', async () => {
  const result = await client.callTool({ name: 'test_multiple_content_types', arguments: {} });
  expect(result.content.map((c) => c.type).join() === 'text,image,resource', 'content types');
});
await check('tools/call test_error_handling', async () => {
  const result = await client.callTool({ name: 'test_error_handling', arguments: {} });
  expect(result.isError === true, 'isError');
});
await check('tools/call test_tool_with_progress', async () => {
  const seen = [];
  await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
    onprogress: (p) => seen.push(p.progress),
  });
  expect(seen.join() === '0,50,100', `progress ${seen}`);
});
await check('tools/call test_tool_with_logging', async () => {
  await client.setLoggingLevel('debug');
  await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
  expect(logs.length >= 3, `${logs.length} log messages`);
});
await check('tools/call test_sampling', async () => {
  const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
  expect(text(result) === 'LLM response: echo of hi', text(result));
});
await check('tools/call test_elicitation', async () => {
  const result = await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } });
  expect(text(result).includes('action=accept') && text(result).includes('ada@example.com'), text(result));
});
await check('tools/call test_reconnection (stream cut and resumed)', async () => {
  const result = await client.callTool({ name: 'test_reconnection', arguments: {} });
  expect(text(result).startsWith('Reconnection test completed successfully'), text(result));
});
await check('resources', async () => {
  const { resources } = await client.listResources();
  expect(resources.length === 3, `${resources.length} resources`);
  const read = await client.readResource({ uri: 'test://template/42/data' });
  expect(JSON.parse(read.contents[0].text).id === '42', read.contents[0].text);
});
await check('prompts', async () => {
  const got = await client.getPrompt({
    name: 'test_prompt_with_arguments',
    arguments: { arg1: 'a', arg2: 'b' },
  });
  expect(got.messages[0].content.text === "Prompt with arguments: arg1='a', arg2='b'", 'prompt text');
});
await check('completion', async () => {
  const got = await client.complete({
    ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
    argument: { name: 'arg1', value: 'par' },
  });
  expect(got.completion.values.join() === 'paris,park,party', got.completion.values.join());
});
await check('close (DELETE)', async () => {
  await transport.terminateSession();
  await client.close();
});
process.exit(failures === 0 ? 0 : 1);
