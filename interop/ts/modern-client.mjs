#!/usr/bin/env node
// Everything client on the official MCP TypeScript SDK v2 (`@modelcontextprotocol/client`),
// speaking the 2026-07-28 revision (no `initialize`; every request carries its own version,
// capabilities and client info) to the oxmcp everything server over Streamable HTTP.
// Elicitation, sampling and roots reach the client as `input_required` results (multi
// round-trip requests), which the SDK answers through the same handlers a 2025 client uses
// and retries with `requestState`; change notifications come on `subscriptions/listen`.
//
// Usage: node interop/ts/modern-client.mjs --url URL [--negotiate auto|pin]
//
// Prints one JSON line per check ({"check", "ok", "detail"}) and exits 0 only if every
// check passed. The whole run is limited to 60 seconds.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The SDK lives in the interop cache (scripts/setup-interop), not beside this script: bare
// imports resolve there through the same hook as sdk.mjs uses.
const nodeModules = process.env.OXMCP_INTEROP_NODE_MODULES
  || join(homedir(), '.cache', 'oxmcp', 'interop', 'node', 'node_modules');
if (!existsSync(join(nodeModules, '@modelcontextprotocol', 'client', 'package.json'))) {
  process.stderr.write(`interop: @modelcontextprotocol/client is not installed in ${nodeModules}; run scripts/setup-interop\n`);
  process.exit(3);
}
register('./resolve-hook.mjs', import.meta.url, {
  data: { fallbackParent: pathToFileURL(join(dirname(nodeModules), 'interop-resolve-parent.mjs')).href },
});
const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');

const MODEL = 'ts-v2-fake-model';
const TOOLS = ['echo', 'add', 'progress', 'log', 'ask_model', 'elicit_profile', 'list_roots', 'update_note',
  'toggle_extras'];

const argv = process.argv.slice(2);
const arg = (name) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const url = arg('--url');
const negotiate = arg('--negotiate') ?? 'pin';
if (!url || !['auto', 'pin'].includes(negotiate)) {
  process.stderr.write('usage: modern-client.mjs --url URL [--negotiate auto|pin]\n');
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

const seen = { updated: [], tools: 0, resources: 0, prompts: 0 };
async function waitFor(what, predicate, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = predicate();
    if (found) return found;
    await sleep(20);
  }
  throw new CheckFailed(`no ${what} within ${ms} ms`);
}

// The host: roots, a deterministic model, a form filler.
const roots = [{ uri: 'file:///tmp/ts-v2-client/project', name: 'project' }];
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
    return { role: 'assistant', model: MODEL, stopReason: 'toolUse', content: [{ type: 'tool_use', id: 'v2-1', name: tool.name, input }] };
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

const client = new Client(
  { name: 'oxmcp-interop-ts-v2-client', version: '2.0.0' },
  {
    capabilities: { sampling: { tools: {} }, elicitation: { form: {} }, roots: {} },
    versionNegotiation: { mode: negotiate === 'pin' ? { pin: '2026-07-28' } : 'auto' },
  },
);
client.setRequestHandler('roots/list', () => ({ roots }));
client.setRequestHandler('sampling/createMessage', (request) => fakeModel(request.params));
client.setRequestHandler('elicitation/create', (request) => {
  const content = {};
  for (const [name, field] of Object.entries(request.params.requestedSchema.properties)) content[name] = fieldValue(field);
  return { action: 'accept', content };
});
client.setNotificationHandler('notifications/resources/updated', (n) => { seen.updated.push(n.params.uri); });
client.setNotificationHandler('notifications/tools/list_changed', () => { seen.tools += 1; });
client.setNotificationHandler('notifications/resources/list_changed', () => { seen.resources += 1; });
client.setNotificationHandler('notifications/prompts/list_changed', () => { seen.prompts += 1; });

const call = (name, args = {}, options) => client.callTool({ name, arguments: args }, options);

async function run() {
  await check('discover', async () => {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)), { timeout: 20_000 });
    const era = client.getProtocolEra();
    expect(era === 'modern', `era ${era}`);
    const info = client.getServerVersion();
    expect(info?.name === 'oxmcp-everything-server', `serverInfo ${JSON.stringify(info)}`);
    return { era, server: info.name };
  });
  try {
    await runChecks();
  } finally {
    await client.close().catch(() => {});
  }
}

async function runChecks() {
  await check('tools/list', async () => {
    const { tools } = await client.listTools();
    const missing = TOOLS.filter((t) => !tools.some((x) => x.name === t));
    expect(missing.length === 0, `missing ${missing}`);
    expect(tools.find((t) => t.name === 'add').outputSchema, 'add has no outputSchema');
    return tools.length;
  });
  await check('echo', async () => {
    const said = textOf(await call('echo', { text: 'hi ts v2' }));
    expect(said === 'hi ts v2', `echoed ${said}`);
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
  await check('sampling_with_tools', async () => {
    const said = textOf(await call('ask_model', { question: 'Weather in Paris?' }));
    expect(said.includes(MODEL) && said.includes('get_weather') && said.includes('sunny'), said);
    expect(sampled.length === 2 && sampled[0].tools?.[0]?.name === 'get_weather',
      `sampling requests ${JSON.stringify(sampled)}`);
    return said;
  });
  await check('elicitation_form', async () => {
    const said = textOf(await call('elicit_profile'));
    expect(said.startsWith('accepted: name=Ada'), said);
    return said;
  });
  await check('roots', async () => {
    const said = textOf(await call('list_roots'));
    expect(said === '1 root(s): file:///tmp/ts-v2-client/project (project)', said);
    return said;
  });
  await check('resources', async () => {
    const { resources } = await client.listResources();
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resources.length === 2 && resourceTemplates[0]?.uriTemplate === 'note://{id}', 'lists');
    const about = await client.readResource({ uri: 'info://about' });
    expect(about.contents[0].text.startsWith('oxmcp everything server'), JSON.stringify(about));
    const note = await client.readResource({ uri: 'note://2' });
    expect(note.contents[0].text === 'Call Ada', JSON.stringify(note));
    // 2026-07-28: an unknown resource is invalid params, no longer -32002.
    await expectError(() => client.readResource({ uri: 'note://99' }), -32602);
    return 'text, template, -32602';
  });
  await check('listen_resource_updated', async () => {
    const subscription = await client.listen({ resourceSubscriptions: ['note://2'] });
    try {
      textOf(await call('update_note', { id: '2', text: 'Call Grace' }));
      await waitFor('resources/updated', () => seen.updated.includes('note://2'));
    } finally {
      await call('update_note', { id: '2', text: 'Call Ada' });
      await subscription.close();
    }
    return { honored: subscription.honoredFilter };
  });
  await check('listen_list_changed', async () => {
    const subscription = await client.listen({ toolsListChanged: true, resourcesListChanged: true, promptsListChanged: true });
    try {
      const before = { ...seen };
      textOf(await call('toggle_extras'));
      await waitFor('three list_changed', () => seen.tools > before.tools && seen.resources > before.resources && seen.prompts > before.prompts);
      expect(textOf(await call('extra')) === 'extra!', 'extra');
      textOf(await call('toggle_extras'));
    } finally {
      await subscription.close();
    }
    return 'tools, resources and prompts list_changed on one listen stream';
  });
  await check('prompts', async () => {
    const { prompts } = await client.listPrompts();
    const greet = prompts.find((p) => p.name === 'greet');
    expect(greet?.arguments?.find((a) => a.name === 'name')?.required === true, JSON.stringify(prompts));
    const got = await client.getPrompt({ name: 'greet', arguments: { name: 'Grace', style: 'formal' } });
    expect(got.messages[0].content.text === 'Greet Grace in a formal way.', JSON.stringify(got));
    return got.messages[0].content.text;
  });
  await check('completion', async () => {
    const names = await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'G' } });
    expect(names.completion.values.join() === 'Grace', JSON.stringify(names));
    return names.completion.values;
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
