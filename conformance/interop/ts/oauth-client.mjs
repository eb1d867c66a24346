// The official MCP TypeScript SDK client, with an OAuth client provider of its own, against
// an oxmcp server protected by its resource server, with oidc-provider as the authorization
// server (conformance/tests/it/oidc_ts_client.rs starts both). The SDK discovers everything
// itself from the server's 401 (protected resource metadata, then the authorization server's
// metadata), registers dynamically, and runs the authorization code flow with PKCE. The user's
// part (the provider's login and consent pages) is driven over HTTP on 127.0.0.1: this
// script's provider follows the authorization URL's redirects with their cookies until the
// provider sends it to the redirect URI with a code, which it hands to the SDK
// (`transport.finishAuth`), as an application would from its callback.
//
// Step-up: the SDK answers our 403 `insufficient_scope` by authorizing again with the scopes
// of the challenge. It registered the client with the scope of the first 401 (`mcp`), and
// oidc-provider holds a client to its registered scope, so that authorization is refused
// with `invalid_scope`; this application then forgets the registration and reconnects, and
// the SDK registers again with the challenge's scopes and completes the step-up.
//
// Usage: node conformance/interop/ts/oauth-client.mjs MCP_URL
// Prints one JSON line per check ({"check", "ok", "detail"}); exits 0 only if every check
// passed. The SDK comes from the interop cache (scripts/setup-interop).
import '../../../interop/ts/sdk.mjs';

const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = await import(
  '@modelcontextprotocol/sdk/client/streamableHttp.js'
);
const { UnauthorizedError } = await import('@modelcontextprotocol/sdk/client/auth.js');

const url = process.argv[2];
if (!url) {
  console.error('usage: oauth-client.mjs MCP_URL');
  process.exit(2);
}
setTimeout(() => {
  console.error('oauth-client: timed out after 45 s');
  process.exit(1);
}, 45_000).unref();

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

const REDIRECT = 'http://127.0.0.1:9/callback';

// The user at a browser: GETs `start`, keeping cookies and following redirects by hand,
// until the provider redirects to REDIRECT; returns that URL's `code`.
async function browse(start) {
  const cookies = new Map();
  let at = new URL(start);
  for (let hop = 0; hop < 10; hop++) {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(at, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`the provider answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    }
    at = new URL(location, at);
    if (at.href.startsWith(REDIRECT)) {
      const error = at.searchParams.get('error');
      if (error) return { error, description: at.searchParams.get('error_description') };
      return { code: at.searchParams.get('code') };
    }
  }
  throw new Error('too many redirects');
}

// An OAuthClientProvider keeping everything in memory; `authorizations` records the scope of
// each authorization request the SDK made.
class HeadlessProvider {
  constructor() {
    this.client = undefined;
    this.saved = undefined;
    this.verifier = undefined;
    this.code = undefined;
    this.refused = undefined;
    this.authorizations = [];
  }
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata() {
    return {
      client_name: 'typescript-sdk-oauth-interop',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(information) {
    this.client = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens) {
    this.saved = tokens;
  }
  async redirectToAuthorization(authorizationUrl) {
    const outcome = await browse(authorizationUrl);
    this.authorizations.push({
      scope: authorizationUrl.searchParams.get('scope'),
      resource: authorizationUrl.searchParams.get('resource'),
      pkce: authorizationUrl.searchParams.get('code_challenge_method'),
      refused: outcome.error,
    });
    this.code = outcome.code;
    this.refused = outcome.error;
    // A scope the registration does not cover: register again (see the top of the file).
    if (outcome.error === 'invalid_scope') this.client = undefined;
  }
  saveCodeVerifier(verifier) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

// Runs `action`; when the SDK stops for the user (UnauthorizedError after
// redirectToAuthorization), finishes the authorization with the code and runs it again. When
// the authorization was refused for its scope, reconnects (the transport does not try the
// same challenge twice) and runs it again, at most `retries` times.
async function withLogin(action, retries = 1) {
  try {
    return await action();
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    if (provider.code) {
      const code = provider.code;
      provider.code = undefined;
      await transport.finishAuth(code);
      return action();
    }
    if (provider.refused !== 'invalid_scope' || retries === 0) throw e;
    provider.refused = undefined;
    await client.close();
    transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
    client = new Client({ name: 'typescript-sdk-oauth-interop', version: '1.0.0' });
    await client.connect(transport);
    return withLogin(action, retries - 1);
  }
}

const provider = new HeadlessProvider();
let transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
let client = new Client({ name: 'typescript-sdk-oauth-interop', version: '1.0.0' });

await check('login on connect (discovery, registration, code + PKCE)', async () => {
  try {
    await client.connect(transport);
    throw new Error('connected without logging in');
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
  }
  expect(provider.code, `no authorization code (${provider.refused})`);
  await transport.finishAuth(provider.code);
  provider.code = undefined;
  // A fresh transport and client with the tokens the provider now holds.
  transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  client = new Client({ name: 'typescript-sdk-oauth-interop', version: '1.0.0' });
  await client.connect(transport);
  const [first] = provider.authorizations;
  expect(first.resource === url, `resource indicator ${first.resource}, expected ${url}`);
  expect(first.scope === 'mcp', `first authorization asked for ${first.scope}`);
  expect(first.pkce === 'S256', `PKCE ${first.pkce}`);
  expect(provider.client?.client_id, 'not registered');
  return first;
});

await check('the protected tool sees the principal', async () => {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  const text = result.content?.[0]?.text;
  expect(text === 'alice authorization-header=false', `whoami said ${JSON.stringify(result)}`);
  return text;
});

await check('hidden tools are not listed', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  expect(names.includes('whoami'), `whoami missing from ${names}`);
  expect(!names.includes('admin_echo'), `admin_echo listed without its scope: ${names}`);
  return names.length;
});

await check('step-up to the scope of a tool (403 insufficient_scope)', async () => {
  const result = await withLogin(() => client.callTool({ name: 'admin_echo', arguments: {} }));
  const text = result.content?.[0]?.text;
  expect(text === 'admin ok', `admin_echo said ${JSON.stringify(result)}`);
  const steps = provider.authorizations.slice(1);
  expect(steps.length >= 1 && steps.length <= 2, `${steps.length} step-up authorizations`);
  for (const step of steps) {
    const scope = (step.scope ?? '').split(' ').sort().join(' ');
    expect(scope === 'admin mcp', `step-up asked for ${scope}`);
  }
  expect(!steps.at(-1).refused, `the step-up was refused: ${steps.at(-1).refused}`);
  return steps;
});

await check('the stepped-up token sees the tool', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  expect(names.includes('admin_echo'), `admin_echo missing from ${names}`);
  return names.length;
});

await client.close();
process.exit(failures === 0 ? 0 : 1);
