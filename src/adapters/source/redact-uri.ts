/**
 * Removes whatever in a URI could be a secret before it is logged or written to a manifest:
 * the user-info part (`user:password@`) and query parameters that carry tokens or signatures.
 */
const SECRET_PARAM = /^(delegation|token|access[_-]?token|key|secret|password|passwd|signature|sig|x-amz-.*|x-goog-.*)$/i;

export function redactUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // Not a URI we can parse: strip anything that looks like user-info and give it back.
    return uri.replace(/\/\/[^/@]*@/, '//');
  }
  url.username = '';
  url.password = '';
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) url.searchParams.delete(name);
  }
  return url.href;
}
