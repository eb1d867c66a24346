#!/usr/bin/env node
// Everything client on the official MCP TypeScript SDK: lists and calls every
// feature of the oxmcp everything server (`everything-server stdio`), and answers
// its sampling (with tools), elicitation (form and URL) and roots requests.
//
// Usage: node interop/ts/everything-client.mjs -- <command> [args...]
//        node interop/ts/everything-client.mjs --url URL   (Streamable HTTP, e.g. through
//        `oxmcp bridge stdio-to-http`)
//
// Prints one JSON line per check ({"check", "ok", "detail"}) and exits 0 only if
// every check passed. The whole run is limited to 60 seconds.
import { Client, StdioClientTransport } from './sdk.mjs';

const types = await import('@modelcontextprotocol/sdk/types.js');
const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
const {
  CreateMessageRequestSchema, ElicitRequestSchema, ElicitationCompleteNotificationSchema,
  ListRootsRequestSchema, LoggingMessageNotificationSchema, PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} = types;

const MODEL = 'ts-fake-model';
const TOOLS = ['echo', 'add', 'progress', 'log', 'slow', 'cancelled_count', 'ask_model', 'elicit_profile',
  'elicit_url', 'connect_account', 'list_roots', 'update_note', 'toggle_extras'];

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const command = dash >= 0 ? argv.slice(dash + 1) : [];
const urlAt = argv.indexOf('--url');
const url = urlAt >= 0 && (dash < 0 || urlAt < dash) ? argv[urlAt + 1] : undefined;
if ((command.length === 0) === (url === undefined)) {
  process.stderr.write('usage: everything-client.mjs (-- <command> [args...] | --url URL)\n');
  process.exit(2);
}

let failures = 0;
function report(check, ok, detail) {
  if (!ok) failures += 1;
  process.stdout.write(`${JSON.stringify({ check, ok, detail: detail ?? null })}\n`);
}
class CheckFailed extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}
async function check(name, fn) {
  try {
    report(name, true, await fn());
  } catch (err) {
    const detail = err instanceof CheckFailed ? err.message
      : { error: String(err?.message ?? err), code: err?.code ?? null, data: err?.data ?? null };
    report(name, false, detail);
  }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const textOf = (result) => {
  expect(!result.isError, `isError: ${JSON.stringify(result)}`);
  return result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
};
async function expectError(call, code) {
  try {
    const result = await call();
    throw new CheckFailed(`expected error ${code}, got ${JSON.stringify(result)}`);
  } catch (err) {
    if (err instanceof CheckFailed) throw err;
    expect(err?.code === code, `expected error ${code}, got ${err?.code}: ${err?.message}`);
    return err;
  }
}

// Notifications, collected as they come; `waitFor` polls them.
const seen = { logs: [], updated: [], completed: [], tools: 0, resources: 0, prompts: 0 };
async function waitFor(what, predicate, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = predicate();
    if (found) return found;
    await sleep(20);
  }
  throw new CheckFailed(`no ${what} within ${ms} ms`);
}

// The host: roots, a deterministic model, a form filler, URL consent.
let roots = [{ uri: 'file:///tmp/ts-client/project', name: 'project' }];
const sampled = [];
function fakeModel(params) {
  sampled.push(params);
  const last = params.messages[params.messages.length - 1];
  const blocks = Array.isArray(last.content) ? last.content : [last.content];
  const results = blocks.filter((b) => b.type === 'tool_result');
  if (results.length > 0) {
    const said = results.map((r) => r.content.map((c) => c.text).join(' ')).join('; ');
    return { role: 'assistant', model: MODEL, stopReason: 'endTurn', content: { type: 'text', text: `The tool says: ${said}.` } };
  }
  const tool = params.tools?.[0];
  if (tool && params.toolChoice?.mode !== 'none') {
    const input = {};
    for (const name of tool.inputSchema.required ?? []) input[name] = 'Paris';
    return { role: 'assistant', model: MODEL, stopReason: 'toolUse', content: [{ type: 'tool_use', id: 'ts-1', name: tool.name, input }] };
  }
  const said = blocks.filter((b) => b.type === 'text').map((b) => b.text).join(' ');
  return { role: 'assistant', model: MODEL, stopReason: 'endTurn', content: { type: 'text', text: `You said: ${said}` } };
}
function fieldValue(schema) {
  if (schema.default !== undefined) return schema.default;
  const first = (list) => (list?.[0]?.const ?? list?.[0]);
  switch (schema.type) {
    case 'boolean': return true;
    case 'integer': case 'number': return schema.minimum ?? 1;
    case 'array': return [first(schema.items?.enum) ?? first(schema.items?.anyOf)];
    default:
      if (schema.enum) return first(schema.enum);
      if (schema.oneOf) return first(schema.oneOf);
      return { email: 'ada@example.com', uri: 'https://example.com/ada', date: '1990-12-10' }[schema.format] ?? 'Ada';
  }
}
const consented = [];

const client = new Client(
  { name: 'oxmcp-interop-ts-everything-client', version: '1.0.0' },
  { capabilities: { sampling: { tools: {} }, elicitation: { form: {}, url: {} }, roots: { listChanged: true } } },
);
client.setRequestHandler(ListRootsRequestSchema, () => ({ roots }));
client.setRequestHandler(CreateMessageRequestSchema, (request) => fakeModel(request.params));
client.setRequestHandler(ElicitRequestSchema, (request) => {
  const params = request.params;
  if (params.mode === 'url') {
    consented.push(params);
    return { action: 'accept' };
  }
  const content = {};
  for (const [name, field] of Object.entries(params.requestedSchema.properties)) content[name] = fieldValue(field);
  return { action: 'accept', content };
});
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { seen.logs.push(n.params); });
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { seen.updated.push(n.params.uri); });
client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => { seen.completed.push(n.params.elicitationId); });
client.setNotificationHandler(ToolListChangedNotificationSchema, () => { seen.tools += 1; });
client.setNotificationHandler(ResourceListChangedNotificationSchema, () => { seen.resources += 1; });
client.setNotificationHandler(PromptListChangedNotificationSchema, () => { seen.prompts += 1; });

const call = (name, args = {}, options) => client.callTool({ name, arguments: args }, undefined, options);

async function run() {
  const transport = url
    ? new StreamableHTTPClientTransport(new URL(url))
    : new StdioClientTransport({ command: command[0], args: command.slice(1), stderr: 'inherit' });
  await check('initialize', async () => {
    await client.connect(transport, { timeout: 20_000 });
    const info = client.getServerVersion();
    expect(info.name === 'oxmcp-everything-server', `serverInfo ${JSON.stringify(info)}`);
    return info;
  });
  try {
    await runChecks();
  } finally {
    await client.close().catch(() => {});
  }
}

async function runChecks() {
  await check('ping', () => client.ping());
  await check('tools/list', async () => {
    const { tools } = await client.listTools();
    const missing = TOOLS.filter((t) => !tools.some((x) => x.name === t));
    expect(missing.length === 0, `missing ${missing}`);
    expect(tools.find((t) => t.name === 'add').outputSchema, 'add has no outputSchema');
    return tools.length;
  });
  await check('echo', async () => {
    const said = textOf(await call('echo', { text: 'hi ts' }));
    expect(said === 'hi ts', `echoed ${said}`);
    return said;
  });
  await check('add', async () => {
    const result = await call('add', { a: 2, b: 3.5 });
    expect(result.structuredContent?.sum === 5.5, JSON.stringify(result));
    return result.structuredContent;
  });
  await check('invalid_arguments', async () => {
    const result = await client.callTool({ name: 'add', arguments: { a: 'two' } });
    expect(result.isError === true, JSON.stringify(result));
    return result.content[0].text;
  });
  await check('unknown_tool', async () => (await expectError(() => call('nope'), -32602)).code);
  await check('progress', async () => {
    const progress = [];
    await call('progress', { steps: 3 }, { onprogress: (p) => progress.push(p.progress) });
    expect(progress.join() === '1,2,3', `progress ${progress}`);
    return progress;
  });
  await check('logging', async () => {
    await client.setLoggingLevel('debug');
    textOf(await call('log', { level: 'notice', message: 'from ts' }));
    await waitFor('bridged log', () => seen.logs.find((m) => m.level === 'info' && m.data?.message === 'from ts'));
    await waitFor('ctx.log', () => seen.logs.find((m) => m.level === 'notice' && m.data?.message === 'from ts'));
    await client.setLoggingLevel('error');
    const filtered = textOf(await call('log', { level: 'warning', message: 'hidden' }));
    expect(filtered.includes('sent: false'), filtered);
    await client.setLoggingLevel('debug');
    return 'info (tracing bridge) and notice (ctx.log) received; warning filtered at error';
  });
  await check('cancellation', async () => {
    const before = (await call('cancelled_count')).structuredContent.cancelled;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by the ts client')), 200);
    await call('slow', { seconds: 30 }, { signal: controller.signal }).then(
      () => { throw new CheckFailed('slow was not cancelled'); }, () => {});
    for (let i = 0; i < 50; i++) {
      const now = (await call('cancelled_count')).structuredContent.cancelled;
      if (now > before) return { cancelled: now };
      await sleep(50);
    }
    throw new CheckFailed('the server never counted the cancellation');
  });
  await check('sampling_with_tools', async () => {
    const said = textOf(await call('ask_model', { question: 'Weather in Paris?' }));
    expect(said.includes(MODEL) && said.includes('get_weather') && said.includes('sunny'), said);
    expect(sampled.length === 2 && sampled[0].tools?.[0]?.name === 'get_weather' && sampled[0].toolChoice?.mode === 'auto',
      `sampling requests ${JSON.stringify(sampled)}`);
    return said;
  });
  await check('elicitation_form', async () => {
    const said = textOf(await call('elicit_profile'));
    expect(said.startsWith('accepted: name=Ada'), said);
    return said;
  });
  await check('elicitation_url', async () => {
    const said = textOf(await call('elicit_url'));
    const id = consented[consented.length - 1]?.elicitationId;
    expect(said.startsWith('accept') && id && said.includes(id), `${said} / ${id}`);
    await waitFor('elicitation/complete', () => seen.completed.includes(id));
    return { said, completed: id };
  });
  await check('url_elicitation_required', async () => {
    const err = await expectError(() => call('connect_account'), -32042);
    const elicitation = err.data?.elicitations?.[0] ?? err.elicitations?.[0];
    expect(elicitation?.mode === 'url' && elicitation.url.startsWith('https://'), JSON.stringify(err.data));
    await waitFor('elicitation/complete', () => seen.completed.includes(elicitation.elicitationId));
    const said = textOf(await call('connect_account'));
    expect(said === 'account connected', said);
    return { elicitation: elicitation.elicitationId, retry: said };
  });
  await check('roots', async () => {
    const said = textOf(await call('list_roots'));
    expect(said === '1 root(s): file:///tmp/ts-client/project (project)', said);
    roots = [...roots, { uri: 'file:///tmp/ts-client/docs', name: 'docs' }];
    await client.sendRootsListChanged();
    const log = await waitFor('roots log', () => seen.logs.find((m) => m.logger === 'roots'));
    expect(log.data.roots?.length === 2, JSON.stringify(log));
    return { listed: said, after_list_changed: log.data.roots };
  });
  await check('resources', async () => {
    const { resources } = await client.listResources();
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resources.length === 2 && resourceTemplates[0]?.uriTemplate === 'note://{id}', 'lists');
    const about = await client.readResource({ uri: 'info://about' });
    expect(about.contents[0].text.startsWith('oxmcp everything server'), JSON.stringify(about));
    const pixels = await client.readResource({ uri: 'info://pixels' });
    const bytes = [...Buffer.from(pixels.contents[0].blob, 'base64')];
    expect(bytes.join() === '0,1,2,3,252,253,254,255', `bytes ${bytes}`);
    const note = await client.readResource({ uri: 'note://2' });
    expect(note.contents[0].text === 'Call Ada', JSON.stringify(note));
    await expectError(() => client.readResource({ uri: 'note://99' }), -32002);
    return 'text, blob, template, -32002';
  });
  await check('subscriptions', async () => {
    await client.subscribeResource({ uri: 'note://2' });
    textOf(await call('update_note', { id: '2', text: 'Call Grace' }));
    await waitFor('resources/updated', () => seen.updated.includes('note://2'));
    await client.unsubscribeResource({ uri: 'note://2' });
    const after = textOf(await call('update_note', { id: '2', text: 'Call Ada' }));
    expect(after.includes('0 subscriber'), after);
    return 'updated received; none after unsubscribe';
  });
  await check('prompts', async () => {
    const { prompts } = await client.listPrompts();
    const greet = prompts.find((p) => p.name === 'greet');
    expect(greet?.arguments?.find((a) => a.name === 'name')?.required === true, JSON.stringify(prompts));
    const got = await client.getPrompt({ name: 'greet', arguments: { name: 'Grace', style: 'formal' } });
    expect(got.messages[0].content.text === 'Greet Grace in a formal way.', JSON.stringify(got));
    await expectError(() => client.getPrompt({ name: 'greet', arguments: {} }), -32602);
    return got.messages[0].content.text;
  });
  await check('completion', async () => {
    const names = await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'G' } });
    expect(names.completion.values.join() === 'Grace', JSON.stringify(names));
    const fw = await client.complete({
      ref: { type: 'ref/prompt', name: 'code_review' }, argument: { name: 'framework', value: '' },
      context: { arguments: { language: 'python' } },
    });
    expect(fw.completion.values.join() === 'django,fastapi,flask', JSON.stringify(fw));
    const ids = await client.complete({ ref: { type: 'ref/resource', uri: 'note://{id}' }, argument: { name: 'id', value: '2' } });
    expect(ids.completion.values.join() === '2', JSON.stringify(ids));
    return { names: names.completion.values, frameworks: fw.completion.values, ids: ids.completion.values };
  });
  await check('list_changed', async () => {
    const before = { ...seen };
    textOf(await call('toggle_extras'));
    await waitFor('three list_changed', () => seen.tools > before.tools && seen.resources > before.resources && seen.prompts > before.prompts);
    expect(textOf(await call('extra')) === 'extra!', 'extra');
    textOf(await call('toggle_extras'));
    const { tools } = await client.listTools();
    expect(!tools.some((t) => t.name === 'extra'), 'extra still listed');
    return 'tools, resources and prompts list_changed';
  });
}

const watchdog = setTimeout(() => {
  report('overall_timeout', false, 'run did not finish within 60 s');
  process.exit(1);
}, 60_000);
watchdog.unref();
try {
  await run();
} catch (err) {
  report('run', false, String(err?.stack ?? err));
}
process.exit(failures === 0 ? 0 : 1);
