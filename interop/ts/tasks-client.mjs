#!/usr/bin/env node
// The official MCP TypeScript SDK client driving the task tools of the oxmcp everything
// server (MCP 2025-11-25 tasks) through `client.experimental.tasks`: `long_running` with
// its status stream, progress and result; `confirm_task`, whose elicitation the client
// answers while the task is input_required; `failing_task`, which ends failed with an
// isError result; a cancellation; the taskSupport rules; tasks/list.
//
// Usage: node interop/ts/tasks-client.mjs -- <command> [args...]   (stdio)
//        node interop/ts/tasks-client.mjs http://127.0.0.1:P/mcp    (Streamable HTTP)
//
// Prints one JSON line per check ({"check", "ok", "detail"}) and exits 0 only if every
// check passed. The whole run is limited to 60 seconds.
import { Client, StdioClientTransport } from './sdk.mjs';

const { StreamableHTTPClientTransport } = await import(
  '@modelcontextprotocol/sdk/client/streamableHttp.js'
);
const { CallToolResultSchema, ElicitRequestSchema, RELATED_TASK_META_KEY } = await import(
  '@modelcontextprotocol/sdk/types.js'
);

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const command = dash >= 0 ? argv.slice(dash + 1) : [];
const url = dash < 0 && argv.length === 1 ? argv[0] : null;
if (command.length === 0 && !url) {
  process.stderr.write('usage: tasks-client.mjs -- <command> [args...] | tasks-client.mjs URL\n');
  process.exit(2);
}
setTimeout(() => {
  process.stderr.write('tasks-client: timed out after 60 s\n');
  process.exit(1);
}, 60_000).unref();

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
const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
const relatedTaskOf = (meta) => meta?.[RELATED_TASK_META_KEY]?.taskId;
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

const client = new Client(
  { name: 'ts-sdk-tasks-client', version: '1.0.0' },
  { capabilities: { elicitation: { form: {} } } },
);
const tasks = client.experimental.tasks;

// The user: confirms, after checking that the task asking is input_required meanwhile.
const elicitations = [];
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  const taskId = relatedTaskOf(request.params._meta);
  const seen = taskId ? (await tasks.getTask(taskId)).status : null;
  elicitations.push({ taskId, statusWhileAsked: seen, message: request.params.message });
  return { action: 'accept', content: { confirmed: true, comment: 'from ts' } };
});

// Runs callToolStream to its end, collecting what it yields.
async function stream(name, args, options = {}) {
  const messages = [];
  const progress = [];
  const iterator = tasks.callToolStream(
    { name, arguments: args },
    CallToolResultSchema,
    { task: { ttl: 60_000 }, onprogress: (p) => progress.push(p), ...options },
  );
  for await (const message of iterator) {
    messages.push(message);
    if (message.type === 'taskCreated' && options.onCreated) await options.onCreated(message.task);
  }
  const created = messages.find((m) => m.type === 'taskCreated')?.task;
  const statuses = messages.filter((m) => m.type === 'taskStatus').map((m) => m.task);
  const last = messages.at(-1);
  return { messages, created, statuses, last, progress };
}

const transport = url ? new StreamableHTTPClientTransport(new URL(url))
  : new StdioClientTransport({ command: command[0], args: command.slice(1), stderr: 'inherit' });
const created = [];

await check('initialize', async () => {
  await client.connect(transport);
  const caps = client.getServerCapabilities();
  expect(caps?.tasks?.requests?.tools?.call, `no tasks.requests.tools.call: ${JSON.stringify(caps)}`);
  expect(caps.tasks.list && caps.tasks.cancel, 'no tasks.list / tasks.cancel');
  return { server: client.getServerVersion()?.name, tasks: caps.tasks, transport: url ? 'http' : 'stdio' };
});

await check('tools/list taskSupport', async () => {
  const { tools } = await client.listTools();
  const support = Object.fromEntries(tools
    .filter((t) => ['long_running', 'confirm_task', 'failing_task', 'echo'].includes(t.name))
    .map((t) => [t.name, t.execution?.taskSupport ?? 'forbidden']));
  expect(support.long_running === 'optional', `long_running: ${support.long_running}`);
  expect(support.confirm_task === 'required', `confirm_task: ${support.confirm_task}`);
  expect(support.failing_task === 'optional', `failing_task: ${support.failing_task}`);
  expect(support.echo === 'forbidden', `echo: ${support.echo}`);
  return support;
});

await check('long_running', async () => {
  const run = await stream('long_running', { seconds: 1 });
  expect(run.created?.status === 'working', `created ${JSON.stringify(run.created)}`);
  expect(run.created.ttl === 60_000, `ttl ${run.created.ttl}`);
  created.push(run.created.taskId);
  expect(run.last.type === 'result', `ended with ${JSON.stringify(run.last)}`);
  const said = textOf(run.last.result);
  expect(said === 'worked for 1.0 s in 4 steps', said);
  expect(relatedTaskOf(run.last.result._meta) === run.created.taskId, 'no related-task _meta on the result');
  expect(run.statuses.at(-1)?.status === 'completed', `last status ${run.statuses.at(-1)?.status}`);
  expect(run.progress.length === 4, `${run.progress.length} progress notifications`);
  expect(run.progress.at(-1).progress === 4 && run.progress.at(-1).total === 4, JSON.stringify(run.progress));
  return { taskId: run.created.taskId, polls: run.statuses.length, progress: run.progress.length, said };
});

await check('input_required (confirm_task)', async () => {
  const run = await stream('confirm_task', { action: 'ship it' });
  created.push(run.created.taskId);
  expect(run.last.type === 'result', `ended with ${JSON.stringify(run.last)}`);
  const said = textOf(run.last.result);
  expect(said === 'ship it confirmed: confirmed=true, comment=from ts', said);
  const asked = elicitations.find((e) => e.taskId === run.created.taskId);
  expect(asked, `no elicitation related to task ${run.created.taskId}: ${JSON.stringify(elicitations)}`);
  expect(asked.statusWhileAsked === 'input_required', `status while asked: ${asked.statusWhileAsked}`);
  const done = await tasks.getTask(run.created.taskId);
  expect(done.status === 'completed', `tasks/get: ${done.status}`);
  return { taskId: run.created.taskId, statusWhileAsked: asked.statusWhileAsked, said };
});

await check('failed (failing_task)', async () => {
  const run = await stream('failing_task', { reason: 'disk full' });
  created.push(run.created.taskId);
  expect(run.last.type === 'error', `ended with ${JSON.stringify(run.last)}`);
  const last = run.statuses.at(-1);
  expect(last?.status === 'failed', `last status ${last?.status}`);
  expect(last.statusMessage === 'tool execution failed: disk full', `statusMessage ${last.statusMessage}`);
  const result = await tasks.getTaskResult(run.created.taskId, CallToolResultSchema);
  expect(result.isError === true, `tasks/result: ${JSON.stringify(result)}`);
  expect(textOf(result) === 'disk full', textOf(result));
  return { taskId: run.created.taskId, statusMessage: last.statusMessage, isError: result.isError };
});

await check('cancel', async () => {
  let cancelled;
  const run = await stream('long_running', { seconds: 60 }, {
    onCreated: async (task) => { cancelled = await tasks.cancelTask(task.taskId); },
  });
  created.push(run.created.taskId);
  expect(cancelled?.status === 'cancelled', `tasks/cancel answered ${JSON.stringify(cancelled)}`);
  expect(run.last.type === 'error' && /cancelled/.test(run.last.error.message),
    `ended with ${JSON.stringify(run.last)}`);
  const got = await tasks.getTask(run.created.taskId);
  expect(got.status === 'cancelled', `tasks/get: ${got.status}`);
  await expectError(() => tasks.cancelTask(run.created.taskId), -32602);
  return { taskId: run.created.taskId, statusMessage: got.statusMessage };
});

await check('taskSupport rules', async () => {
  // Sent as is (the SDK's callTool refuses required tools locally).
  await expectError(() => client.request(
    { method: 'tools/call', params: { name: 'confirm_task', arguments: { action: 'x' } } },
    CallToolResultSchema,
  ), -32601);
  await expectError(() => client.request(
    { method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, task: {} } },
    CallToolResultSchema,
  ), -32601);
  const plain = await client.callTool({ name: 'long_running', arguments: { seconds: 0 } });
  expect(textOf(plain) === 'worked for 0.0 s in 1 steps', textOf(plain));
  return 'required without task: -32601; forbidden with task: -32601; optional without task: a plain result';
});

await check('tasks/list', async () => {
  const listed = [];
  let cursor;
  do {
    const page = await tasks.listTasks(cursor);
    listed.push(...page.tasks);
    cursor = page.nextCursor;
  } while (cursor);
  for (const id of created) expect(listed.some((t) => t.taskId === id), `task ${id} not listed`);
  await expectError(() => tasks.getTask('0123456789abcdef0123456789abcdef'), -32602);
  return { listed: listed.length, statuses: listed.map((t) => t.status) };
});

await client.close();
process.exit(failures === 0 ? 0 : 1);
