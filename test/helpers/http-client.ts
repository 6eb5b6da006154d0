/** Real HTTP calls against a listening service, for tests where true parallelism matters. */
export interface HttpResult {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  readonly body: any;
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

export async function post(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return resultOf(response);
}

export async function get(baseUrl: string, path: string): Promise<HttpResult> {
  return resultOf(await fetch(`${baseUrl}${path}`));
}

async function resultOf(response: Response): Promise<HttpResult> {
  return {
    status: response.status,
    body: await response.json(),
    headers: Object.fromEntries(response.headers),
  };
}
