import { authHeaders } from './token';

export const GRAPHQL_URL = '/graphql';

export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string };
}

/** A failed operation, carrying the API's extensions.code (NOT_FOUND, UNAUTHENTICATED, ...). */
export class ApiError extends Error {
  readonly code: string;

  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

/** POST one operation to the public GraphQL API and return its data, or throw ApiError. */
export async function request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError(`The registry did not answer: ${String(error)}`, 'UNAVAILABLE');
  }
  let body: { data?: T; errors?: GraphQLErrorBody[] };
  try {
    body = await response.json();
  } catch {
    const code = response.status === 401 ? 'UNAUTHENTICATED' : response.status === 403 ? 'FORBIDDEN' : 'UNAVAILABLE';
    throw new ApiError(`HTTP ${response.status} ${response.statusText}`, code);
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    throw new ApiError(first.message, first.extensions?.code ?? 'ERROR');
  }
  if (body.data === undefined) throw new ApiError(`HTTP ${response.status}: no data`, 'ERROR');
  return body.data;
}
