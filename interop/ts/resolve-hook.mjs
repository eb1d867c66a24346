// Module-resolution hook (registered by sdk.mjs through node:module `register`).
//
// The interop scripts live in the repository but their npm dependencies live in
// a cache outside it. ESM ignores NODE_PATH, so bare specifiers that Node cannot
// resolve from the script's own location are retried as if they were imported
// from a file inside the cache directory, where `node_modules` is found normally.
let fallbackParent;

export async function initialize(data) {
  fallbackParent = data.fallbackParent;
}

function isBare(specifier) {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (fallbackParent && isBare(specifier) && err?.code === 'ERR_MODULE_NOT_FOUND') {
      return nextResolve(specifier, { ...context, parentURL: fallbackParent });
    }
    throw err;
  }
}
