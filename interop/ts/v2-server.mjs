// A server on the official MCP TypeScript SDK v2 (`@modelcontextprotocol/server`, from the
// interop cache like sdk.mjs's), which speaks 2026-07-28 over HTTP (`createMcpHandler`)
// and only the handshake over stdio.
//
//   node v2-server.mjs http [--tasks]   listens on 127.0.0.1 (a free port), prints its URL
//   node v2-server.mjs stdio            serves stdin/stdout
//
// Tools: `echo {text}`; `confirm`, which asks the client a yes/no question through a multi
// round-trip request (2026-07-28) and answers `confirmed` once the retry carries `true`.
//
// With `--tasks`, also the tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663), which
// the SDK does not implement, written on its public surface: the tools `slow_task {seconds}`
// and `ask_task` answer a client that declares the extension with a task handle
// (`resultType: "task"`, tasks in memory, shared by the per-request servers), refuse one that
// does not (the SDK turns the -32021 a tool throws into an `isError` result); `tasks/get`,
// `tasks/update` and `tasks/cancel` are custom request handlers. `ask_task` asks the user's
// name through the task's `inputRequests`.
import { randomUUID } from 'node:crypto';
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
const { McpServer, MissingRequiredClientCapabilityError, ProtocolError, acceptedContent, createMcpHandler, inputRequired } =
  await import('@modelcontextprotocol/server');
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
  if (withTasks) addTasks(server);
  return server;
}

// ---- the tasks extension (`--tasks`) ----------------------------------------------------
const withTasks = process.argv.includes('--tasks');
const EXTENSION = 'io.modelcontextprotocol/tasks';
const tasks = new Map();

function touch(task, status) {
  task.status = status;
  task.lastUpdatedAt = new Date().toISOString();
}

function taskFields(task) {
  const { taskId, status, createdAt, lastUpdatedAt, ttlMs, pollIntervalMs } = task;
  return { taskId, status, createdAt, lastUpdatedAt, ttlMs, pollIntervalMs };
}

// Starts `work(task)` as a task; returns its handle.
function startTask(work) {
  const now = new Date().toISOString();
  const task = {
    taskId: randomUUID(), status: 'working', createdAt: now, lastUpdatedAt: now, ttlMs: 60000,
    pollIntervalMs: 100, inputRequests: {}, waiting: new Map(), result: undefined, stop: undefined,
  };
  tasks.set(task.taskId, task);
  const stopped = new Promise((resolve) => { task.stop = resolve; });
  Promise.race([work(task), stopped]).then((result) => {
    if (task.status === 'cancelled') return;
    task.result = result;
    touch(task, 'completed');
  });
  return { resultType: 'task', content: [], ...taskFields(task) };
}

// Puts `request` in the task's inputRequests under `key` until tasks/update answers it.
function ask(task, key, request) {
  return new Promise((resolve) => {
    task.inputRequests[key] = request;
    task.waiting.set(key, (answer) => {
      delete task.inputRequests[key];
      task.waiting.delete(key);
      if (Object.keys(task.inputRequests).length === 0) touch(task, 'working');
      resolve(answer);
    });
    touch(task, 'input_required');
  });
}

function findTask(taskId) {
  const task = tasks.get(taskId);
  if (!task) throw new ProtocolError(-32602, `no task ${taskId}`);
  return task;
}

function requireExtension(ctx, tool) {
  if (!JSON.stringify(ctx.mcpReq?.envelope ?? {}).includes(EXTENSION)) {
    throw new MissingRequiredClientCapabilityError(
      { requiredCapabilities: { extensions: { [EXTENSION]: {} } } },
      `${tool} runs only as a task: declare ${EXTENSION}`,
    );
  }
}

function addTasks(server) {
  server.registerTool('slow_task', { inputSchema: z.object({ seconds: z.number() }) }, async ({ seconds }, ctx) => {
    requireExtension(ctx, 'slow_task');
    return startTask(async () => {
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      return { content: [{ type: 'text', text: `slept ${seconds} s` }], isError: false };
    });
  });
  server.registerTool('ask_task', { inputSchema: z.object({}) }, async (_args, ctx) => {
    requireExtension(ctx, 'ask_task');
    return startTask(async (task) => {
      const answer = await ask(task, 'name', {
        method: 'elicitation/create',
        params: {
          mode: 'form',
          message: 'What is your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
      });
      const name = answer?.action === 'accept' ? answer.content?.name : 'stranger';
      return { content: [{ type: 'text', text: `Hello, ${name}!` }], isError: false };
    });
  });
  const id = z.object({ taskId: z.string() }).passthrough();
  server.server.setRequestHandler('tasks/get', { params: id }, async ({ taskId }) => {
    const task = findTask(taskId);
    const detailed = taskFields(task);
    if (task.status === 'input_required') detailed.inputRequests = { ...task.inputRequests };
    if (task.status === 'completed') detailed.result = task.result;
    return detailed;
  });
  // The SDK lifts `inputResponses` out of the params into `ctx.mcpReq.inputResponses`.
  server.server.setRequestHandler('tasks/update', { params: id }, async ({ taskId }, ctx) => {
    const task = findTask(taskId);
    const answers = ctx.mcpReq?.inputResponses ?? {};
    for (const [key, answer] of Object.entries(answers)) task.waiting.get(key)?.(answer);
    return {};
  });
  server.server.setRequestHandler('tasks/cancel', { params: id }, async ({ taskId }) => {
    const task = findTask(taskId);
    if (task.status === 'working' || task.status === 'input_required') {
      touch(task, 'cancelled');
      task.stop();
    }
    return {};
  });
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
