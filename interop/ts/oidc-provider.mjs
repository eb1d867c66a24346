// A real OpenID provider (the certified `oidc-provider` package) on 127.0.0.1 for the
// oxmcp-auth end-to-end tests. Usage:
//
//   node oidc-provider.mjs MCP_URL CC_JWT_PUBLIC_JWK_JSON [opaque|jwt]
//
// Prints one JSON line `{"issuer": ..., "introspector": {...}}` once listening, then serves
// until killed. Configured with dynamic registration, PKCE (S256, required), resource
// indicators (tokens only for MCP_URL, audience MCP_URL), client credentials, introspection,
// and three static clients: `cc-basic` (client_secret_basic), `cc-jwt` (private_key_jwt with
// the given public key) and `introspector` (for the protected MCP server). The user
// interaction of the authorization code flow is completed at once for the user `alice`
// (login and consent for the requested scopes and resource), so a client that follows the
// redirects with their cookies gets a code without a form.
//
// Also serves `/prm`: the MCP server's protected resource metadata.
//
// The access tokens for MCP_URL are opaque (the default) or JWTs (RFC 9068, `at+jwt`, signed
// with the provider's RS256 key, published at its `jwks_uri`). Scopes for the resource:
// `mcp` and `admin`. For the resource server's negative tests there are also the resource
// `https://other.example/mcp` (a token for another audience) and the client `cc-short`
// (client_secret_basic, tokens living 3 s).

import { existsSync } from 'node:fs';
import http from 'node:http';
import { register } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// oidc-provider comes from the interop cache (scripts/setup-interop), as in sdk.mjs.
const nodeModules =
  process.env.OXMCP_INTEROP_NODE_MODULES ||
  join(homedir(), '.cache', 'oxmcp', 'interop', 'node', 'node_modules');
if (!existsSync(join(nodeModules, 'oidc-provider', 'package.json'))) {
  process.stderr.write(`interop: oidc-provider is not installed in ${nodeModules}; run scripts/setup-interop\n`);
  process.exit(3);
}
register('./resolve-hook.mjs', import.meta.url, {
  data: { fallbackParent: pathToFileURL(join(dirname(nodeModules), 'interop-resolve-parent.mjs')).href },
});
const { default: Provider } = await import('oidc-provider');

const [mcpUrl, jwkJson, format = 'opaque'] = process.argv.slice(2);
const otherResource = 'https://other.example/mcp';
if (!mcpUrl || !jwkJson) {
  console.error('usage: node oidc-provider.mjs MCP_URL CC_JWT_PUBLIC_JWK_JSON');
  process.exit(2);
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const introspector = { client_id: 'introspector', client_secret: 'introspector-secret-0123456789' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'cc-basic',
      client_secret: 'cc-basic-secret-0123456789',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'cc-jwt',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [JSON.parse(jwkJson)] },
    },
    {
      client_id: 'cc-short',
      client_secret: 'cc-short-secret-0123456789',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    { ...introspector, grant_types: [], redirect_uris: [], response_types: [] },
  ],
  scopes: ['openid', 'offline_access', 'mcp', 'admin'],
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => mcpUrl,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => {
        if (resource !== mcpUrl && resource !== otherResource) {
          throw new Provider.errors.InvalidTarget(`unknown resource ${resource}`);
        }
        return {
          scope: 'mcp admin',
          audience: resource,
          accessTokenFormat: format === 'jwt' ? 'jwt' : 'opaque',
          accessTokenTTL: client?.clientId === 'cc-short' ? 3 : 3600,
        };
      },
    },
  },
});

// The user `alice` logs in and consents at once.
async function interact(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { params } = details;
  const grant = new provider.Grant({ accountId: 'alice', clientId: params.client_id });
  // Every requested scope is granted, at the provider and for the resource.
  if (params.scope) grant.addOIDCScope(params.scope);
  grant.addResourceScope(params.resource ?? mcpUrl, params.scope ?? 'mcp');
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: 'alice' }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url === '/prm') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ resource: mcpUrl, authorization_servers: [issuer], scopes_supported: ['mcp'] }));
    return;
  }
  if (req.url.startsWith('/interaction/')) {
    interact(req, res).catch((e) => {
      console.error('interaction failed:', e);
      res.statusCode = 500;
      res.end(String(e));
    });
    return;
  }
  callback(req, res);
});

console.log(JSON.stringify({ issuer, introspector }));
