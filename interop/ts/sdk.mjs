// Loads the official MCP TypeScript SDK (and zod) from the interop cache.
//
// The cache's node_modules directory is taken from $OXMCP_INTEROP_NODE_MODULES,
// defaulting to $HOME/.cache/oxmcp/interop/node/node_modules (what
// scripts/setup-interop installs). A resolve hook makes bare imports such as
// '@modelcontextprotocol/sdk/client/index.js' resolve there, so the SDK is
// loaded as ESM exactly as an application depending on it would load it.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const nodeModules =
  process.env.OXMCP_INTEROP_NODE_MODULES ||
  join(homedir(), '.cache', 'oxmcp', 'interop', 'node', 'node_modules');

if (!existsSync(join(nodeModules, '@modelcontextprotocol', 'sdk', 'package.json'))) {
  process.stderr.write(
    `interop: the MCP TypeScript SDK is not installed in ${nodeModules}; run scripts/setup-interop\n`,
  );
  process.exit(3);
}

register('./resolve-hook.mjs', import.meta.url, {
  data: { fallbackParent: pathToFileURL(join(dirname(nodeModules), 'interop-resolve-parent.mjs')).href },
});

const [client, clientStdio, server, serverMcp, serverStdio, types, zodModule] = await Promise.all([
  import('@modelcontextprotocol/sdk/client/index.js'),
  import('@modelcontextprotocol/sdk/client/stdio.js'),
  import('@modelcontextprotocol/sdk/server/index.js'),
  import('@modelcontextprotocol/sdk/server/mcp.js'),
  import('@modelcontextprotocol/sdk/server/stdio.js'),
  import('@modelcontextprotocol/sdk/types.js'),
  import('zod'),
]);

export const { Client } = client;
export const { StdioClientTransport } = clientStdio;
export const { Server } = server;
export const { McpServer } = serverMcp;
export const { StdioServerTransport } = serverStdio;
export const {
  CallToolRequestSchema,
  ErrorCode,
  LATEST_PROTOCOL_VERSION,
  LoggingMessageNotificationSchema,
  McpError,
} = types;
export const { z } = zodModule;
